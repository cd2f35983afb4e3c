using System.CommandLine;
using Hearth.Chain.Local;
using Hearth.Cli.Commands;
using Hearth.Cli.Config;
using Nethereum.Signer;

namespace Hearth.Cli.Dev;

/// <summary>`hearth dev up`: a local chain with the market deployed, until Ctrl-C. Writes the network profile that
/// the other commands read.</summary>
public static class DevUp
{
    public static async Task<int> RunAsync(CommandEnvironment env, ParseResult parse, CancellationToken ct)
    {
        var output = env.Context.Out;
        await using var market = await LocalMarket.StartAsync(ct: ct);
        var profilePath = parse.GetValue(CommandEnvironment.NetworkOption) ?? NetworkProfile.DefaultPath(env.Context);
        var profile = NetworkProfile.From(market.Deployment, market.RpcUrl);
        profile.Save(profilePath);
        var d = market.Deployment;
        await output.WriteLineAsync($"chain        {market.RpcUrl} (chain id {d.ChainId})");
        await output.WriteLineAsync($"token        {d.Token}");
        await output.WriteLineAsync($"apps         {d.Apps}");
        await output.WriteLineAsync($"datasets     {d.Datasets}");
        await output.WriteLineAsync($"workerpools  {d.Workerpools}");
        await output.WriteLineAsync($"market       {d.Market}");
        await output.WriteLineAsync($"profile      {Path.GetFullPath(profilePath)}");
        await output.WriteLineAsync("development accounts (each funded with 1,000,000 HRTH and ether for gas):");
        for (var i = 0; i < market.Keys.Count; i++)
            await output.WriteLineAsync($"  ({i}) {new EthECKey(market.Keys[i]).GetPublicAddress()}  key {market.Keys[i]}");
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
}
