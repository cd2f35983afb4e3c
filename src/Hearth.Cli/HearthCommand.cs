using System.CommandLine;
using Hearth.Chain.Transactions;
using Hearth.Cli.Bench;
using Hearth.Cli.Commands;
using Hearth.Cli.Dev;
using Hearth.Cli.Sim;
using Hearth.Protocol.Orders;
using Hearth.Storage;
using Microsoft.Extensions.Options;

namespace Hearth.Cli;

/// <summary>The `hearth` command: one binary for every role.</summary>
public static class HearthCommand
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, CliContext.FromConsole());

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var env = new CommandEnvironment(context);
        var root = new RootCommand("Hearth: an open marketplace for computing, settled on an Ethereum chain.")
        {
            CommandEnvironment.NetworkOption, CommandEnvironment.WalletOption, CommandEnvironment.JsonOption,
        };
        root.Subcommands.Add(WalletCommands.Create(env));
        root.Subcommands.Add(AccountCommands.Create(env));
        root.Subcommands.Add(AssetCommands.Content(env, OrderKind.App));
        root.Subcommands.Add(AssetCommands.Content(env, OrderKind.Dataset));
        root.Subcommands.Add(AssetCommands.Pool(env));
        root.Subcommands.Add(DealCommands.Create(env));
        root.Subcommands.Add(DealCommands.Claim(env));
        root.Subcommands.Add(OrderCommands.Create(env));
        root.Subcommands.Add(RunCommand.Create(env));
        root.Subcommands.Add(TaskCommands.Task(env));
        root.Subcommands.Add(TaskCommands.Results(env));
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DevCommand(env));
        var demo = new Command("demo", "Start a local network, run a 20-task Monte-Carlo deal live, print a summary.");
        demo.SetAction((parse, ct) => Demo.RunAsync(env, parse, ct));
        root.Subcommands.Add(demo);
        root.Subcommands.Add(BenchCommand(env));
        root.Subcommands.Add(SimCommand.Create());
        var config = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(config);
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            await context.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static bool IsUserFacing(Exception e) => e is CliException or ContractRevertException or ChainUnreachableException
        or StorageException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException
        or Hearth.Market.Client.MarketUnreachableException or Hearth.Market.Client.MarketRequestException or Hearth.Network.Requesting.NoMatchException
        or OptionsValidationException;

    private static Command DevCommand(CommandEnvironment env)
    {
        var dev = new Command("dev", "A local development network.");
        var up = new Command("up", "Start the whole network on this machine (chain, storage, order book, scheduler, workers, sample apps); runs until Ctrl-C.") { DevUp.WorkersOption };
        up.SetAction((parse, ct) => DevUp.RunAsync(env, parse, ct));
        dev.Subcommands.Add(up);
        return dev;
    }

    private static Command BenchCommand(CommandEnvironment env)
    {
        var bench = new Command("bench", "Benchmarks that print one JSON object per line.");
        var gas = new Command("gas", "Gas of registering an app, one task, a 100-task deal and a replicated task, on a fresh anvil.");
        gas.SetAction(async (_, ct) =>
        {
            await GasBenchmark.RunAsync(env.Context.Out, ct);
            return 0;
        });
        bench.Subcommands.Add(gas);
        var runs = new Option<int>("--runs") { Description = "Latency runs.", DefaultValueFactory = _ => 20 };
        var tasks = new Option<int>("--tasks") { Description = "Tasks of the throughput deal.", DefaultValueFactory = _ => 2000 };
        var slots = new Option<int>("--slots") { Description = "Slots of each of the 4 workers.", DefaultValueFactory = _ => E2eBenchmark.DefaultSlots };
        var e2e = new Command("e2e", "Latency of one task, throughput of a 2,000-task deal on a local network, and the sandbox's overhead.") { runs, tasks, slots };
        e2e.SetAction(async (parse, ct) =>
        {
            var (r, t, s) = (parse.GetValue(runs), parse.GetValue(tasks), parse.GetValue(slots));
            if (r is < 1 or > 1_000) throw new CliException("--runs must be between 1 and 1000");
            if (t is < 1 or > 100_000) throw new CliException("--tasks must be between 1 and 100000");
            if (s is < 1 or > 1_024) throw new CliException("--slots must be between 1 and 1024");
            await E2eBenchmark.RunAsync(env.Context.Out, r, t, s, ct);
            return 0;
        });
        bench.Subcommands.Add(e2e);
        var only = new Option<string[]>("--only") { Description = "Play only these attacks (by name).", AllowMultipleArgumentsPerToken = true };
        var attacks = new Command("attacks", "Play each attack of docs/security.md against a local network; one JSON line per attack; fails when one gets through.") { only };
        attacks.SetAction(async (parse, ct) =>
        {
            var names = parse.GetValue(only);
            var unknown = names?.Where(n => !AttackCampaign.All.Any(a => a.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
            if (unknown is { Count: > 0 })
                throw new CliException($"unknown attack {unknown[0]}; known: {string.Join(", ", AttackCampaign.All.Select(a => a.Name))}");
            return await AttackCampaign.RunAsync(env.Context.Out, names is { Length: > 0 } ? names : null, ct);
        });
        bench.Subcommands.Add(attacks);
        return bench;
    }
}
