using System.CommandLine;
using Hearth.Cli.Commands;
using Hearth.Cli.Config;
using Hearth.Network;

namespace Hearth.Cli.Dev;

/// <summary>`hearth dev up`: the whole network on this machine (chain, storage, order book, a pool's scheduler and
/// workers, the sample apps and dataset with their orders) until Ctrl-C. Writes the network profile the other
/// commands read, with the development accounts and their roles (<see cref="DevProfile"/>).</summary>
public static class DevUp
{
    public static readonly Option<int> WorkersOption = new("--workers") { Description = "Number of workers.", DefaultValueFactory = _ => 3 };

    public static async Task<int> RunAsync(CommandEnvironment env, ParseResult parse, CancellationToken ct)
    {
        var output = env.Context.Out;
        var (net, _) = await StartAsync(env, parse, parse.GetValue(WorkersOption), ct);
        await using var running = net;
        await output.WriteLineAsync("ready; Ctrl-C stops.");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            await output.WriteLineAsync("stopping.");
        }
        return 0;
    }

    /// <returns>The network, and the path of the profile written for it.</returns>
    public static async Task<(LocalNetwork Network, string Profile)> StartAsync(CommandEnvironment env, ParseResult parse, int workers, CancellationToken ct)
    {
        var output = env.Context.Out;
        await output.WriteLineAsync("starting a local network: chain, storage, order book, scheduler, workers, sample apps...");
        var net = await LocalNetwork.StartAsync(new LocalNetworkOptions { Workers = workers }, ct);
        var profilePath = parse.GetValue(CommandEnvironment.NetworkOption) ?? NetworkProfile.DefaultPath(env.Context);
        // The profile, plus the development accounts and their roles for tools that do not use the CLI.
        DevProfile.Save(NetworkProfile.From(net.Chain.Deployment, net.Chain.RpcUrl) with
        {
            StorageUrl = net.StorageUrl, MarketUrl = net.MarketUrl, SchedulerUrl = net.SchedulerUrl,
        }, DevProfile.Accounts(net), profilePath);
        var d = net.Chain.Deployment;
        await output.WriteLineAsync($"chain        {net.Chain.RpcUrl} (chain id {d.ChainId}); market contract {d.Market}");
        await output.WriteLineAsync($"storage      {net.StorageUrl}");
        await output.WriteLineAsync($"order book   {net.MarketUrl}");
        await output.WriteLineAsync($"scheduler    {net.SchedulerUrl} (workerpool {net.Workerpool}, {net.Workers.Count} workers)");
        await output.WriteLineAsync($"profile      {Path.GetFullPath(profilePath)}");
        foreach (var app in net.Apps) await output.WriteLineAsync($"app {app.Id,-3}      {app.Name}");
        if (net.Dataset is { } ds) await output.WriteLineAsync($"dataset {ds.Id,-3}  {ds.Name} (particle-collision events)");
        await output.WriteLineAsync("development accounts (funded with HRTH and ether for gas; DEVELOPMENT ONLY, public test keys; all of them, with what each owns, are in the profile):");
        foreach (var account in DevProfile.Accounts(net).Take(12))
            await output.WriteLineAsync($"  ({account.Index}) {account.Address}  key {account.PrivateKey}  {account.Role}");
        return (net, Path.GetFullPath(profilePath));
    }
}
