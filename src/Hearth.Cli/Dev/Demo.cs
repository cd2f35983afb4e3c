using System.CommandLine;
using System.Diagnostics;
using Hearth.Chain;
using Hearth.Cli.Commands;
using Hearth.Network;
using Hearth.Network.Requesting;

namespace Hearth.Cli.Dev;

/// <summary>`hearth demo`: a local network, then a 20-task Monte-Carlo run shown live, then a summary.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(CommandEnvironment env, ParseResult parse, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (net, profile) = await DevUp.StartAsync(env, parse, workers: 3, ct);
        await using var running = net;
        var requesterKey = net.Chain.Keys[DevAccounts.Requester];
        var demoEnv = new CommandEnvironment(new CliContext
        {
            Out = env.Context.Out, Error = env.Context.Error, Input = env.Context.Input, Interactive = env.Context.Interactive,
            Environment = name => name switch
            {
                "HEARTH_HOME" => net.DataFolder,
                "HEARTH_PASSWORD" => "demo-password",
                "HEARTH_NETWORK" => profile,
                "HEARTH_WALLET" => null,
                _ => env.Context.Environment(name),
            },
        });
        demoEnv.Wallets.Import(requesterKey, "demo-password");
        await env.Context.Out.WriteLineAsync();
        await env.Context.Out.WriteLineAsync("running montecarlo: 20 tasks, trust 1, on the local boilers...");
        var app = net.Apps.Single(a => a.Name == "montecarlo");
        var request = new RunRequest { App = app.Id, Volume = 20, Trust = 1, Params = "200000 42" };
        var before = await net.Chain.Client(DevAccounts.Requester).GetAccountAsync(net.Address(DevAccounts.Requester), ct);
        var summary = await RunCommand.RunAsync(demoEnv, parse, request, Path.Combine(Directory.GetCurrentDirectory(), "demo-results"), live: true, ct);
        var after = await net.Chain.Client(DevAccounts.Requester).GetAccountAsync(net.Address(DevAccounts.Requester), ct);
        var settlements = await net.Chain.Client(DevAccounts.Requester).TasksSettledAsync(Hearth.Protocol.Hash32.Parse(summary.DealId), ct);

        await env.Context.Out.WriteLineAsync();
        await env.Context.Out.WriteLineAsync("summary");
        foreach (var line in summary.Lines()) await env.Context.Out.WriteLineAsync("  " + line);
        await env.Context.Out.WriteLineAsync($"  requester  escrow {Tokens.Format(before.Balance)} -> {Tokens.Format(after.Balance)}");
        await env.Context.Out.WriteLineAsync($"  settled    {settlements.Count} task events on chain; demo total {clock.Elapsed.TotalSeconds:F1} s");
        return summary.Settled == request.Volume ? 0 : 1;
    }
}
