using System.CommandLine;
using Hearth.Chain.Transactions;
using Hearth.Cli.Bench;
using Hearth.Cli.Dev;
using Hearth.Cli.Sim;

namespace Hearth.Cli;

/// <summary>The `hearth` command: one binary for every role.</summary>
public static class HearthCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Hearth: an open marketplace for computing, settled on an Ethereum chain.");
        root.Subcommands.Add(DevCommand());
        root.Subcommands.Add(BenchCommand());
        root.Subcommands.Add(SimCommand.Create());
        try
        {
            return await root.Parse(args).InvokeAsync();
        }
        catch (Exception e) when (e is ContractRevertException or ChainUnreachableException or IOException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static Command DevCommand()
    {
        var dev = new Command("dev", "A local development network.");
        var up = new Command("up", "Start a local chain with the contracts deployed and funded development accounts; runs until Ctrl-C.");
        up.SetAction((_, ct) => DevUp.RunAsync(Console.Out, ct));
        dev.Subcommands.Add(up);
        return dev;
    }

    private static Command BenchCommand()
    {
        var bench = new Command("bench", "Benchmarks that print one JSON object per line.");
        var gas = new Command("gas", "Gas of registering an app, one task, a 100-task deal and a replicated task, on a fresh anvil.");
        gas.SetAction(async (_, ct) =>
        {
            await GasBenchmark.RunAsync(Console.Out, ct);
            return 0;
        });
        bench.Subcommands.Add(gas);
        return bench;
    }
}
