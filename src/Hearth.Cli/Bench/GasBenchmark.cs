using System.Numerics;
using System.Text.Json;
using Hearth.Chain;
using Hearth.Chain.Local;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Cli.Bench;

/// <summary>
/// `hearth bench gas`: deploys the contracts on a fresh anvil and measures, from receipts, the gas of each scenario:
/// registering an app, one task at trust 1, one deal of 100 tasks, one task needing three agreeing workers.
/// Deposits and stakes are set-up, left out as in the incumbent's figures. The first deal of the run pays for
/// fresh storage (the app owner's first earnings, the orders' first consumption), as a first deal would.
/// </summary>
public sealed class GasBenchmark(LocalMarket market)
{
    private static readonly BigInteger AppPrice = Tokens.FromHrth(0.1m);
    private static readonly BigInteger PoolPrice = Tokens.FromHrth(1m);

    private HearthClient AppOwner => market.Client(1);
    private HearthClient PoolOwner => market.Client(3);
    private HearthClient Scheduler => market.Client(4);
    private HearthClient Requester => market.Client(5);
    private EthECKey Worker(int i) => new(market.Keys[6 + i]);

    public static async Task RunAsync(TextWriter output, CancellationToken ct)
    {
        await using var market = await LocalMarket.StartAsync(ct: ct);
        var bench = new GasBenchmark(market);
        foreach (var line in await bench.RunScenariosAsync(ct))
            await output.WriteLineAsync(JsonSerializer.Serialize(line));
    }

    public async Task<IReadOnlyList<GasFigure>> RunScenariosAsync(CancellationToken ct)
    {
        var figures = new List<GasFigure>();
        var app = await AppOwner.RegisterAppAsync(Hash32.Sha256("module"u8), "http://127.0.0.1:5002/blobs/", "bench-app", ct);
        figures.Add(new GasFigure("register-app", 0, app.Transaction.GasUsed, 0, new() { ["register"] = app.Transaction.GasUsed }));

        var pool = await PoolOwner.RegisterWorkerpoolAsync(Scheduler.Address, 30, 1, "http://127.0.0.1:5003", "bench-pool", ct: ct);
        await PoolOwner.DepositAsync(Tokens.FromHrth(10_000), ct);
        await Requester.DepositAsync(Tokens.FromHrth(10_000), ct);
        for (var i = 0; i < 3; i++)
        {
            var worker = market.Client(6 + i);
            await worker.DepositAsync(Tokens.FromHrth(100), ct);
            await worker.StakeAsync(Tokens.FromHrth(100), ct);
        }

        figures.Add(await DealAsync("single", app.Id, pool.Id, volume: 1, trust: 1, workers: 1, ct));
        figures.Add(await DealAsync("bag100", app.Id, pool.Id, volume: 100, trust: 1, workers: 1, ct));
        figures.Add(await DealAsync("replicated", app.Id, pool.Id, volume: 1, trust: 5, workers: 3, ct));
        figures.Add(await DealAsync("single-steady", app.Id, pool.Id, volume: 1, trust: 1, workers: 1, ct));
        // The same bag with one signature per task (settle): what one signature per run saves.
        figures.Add(await DealAsync("bag100-signed", app.Id, pool.Id, volume: 100, trust: 1, workers: 1, ct, runs: false));
        return figures;
    }

    /// <summary>
    /// Matches a deal and settles all its tasks in one transaction, as the scheduler would: lone results at trust 1-2 as
    /// one run of the worker's result chain (settleRuns), otherwise one signed contribution per worker and task (settle).
    /// </summary>
    private async Task<GasFigure> DealAsync(string scenario, BigInteger app, BigInteger pool, int volume, uint trust, int workers, CancellationToken ct, bool runs = true)
    {
        var domain = Requester.Domain;
        var appOrder = new AppOrder { App = app, AppPrice = AppPrice, Volume = volume, Salt = Salt.New() };
        var poolOrder = new WorkerpoolOrder { Workerpool = pool, WorkerpoolPrice = PoolPrice, Volume = volume, Trust = 100, Salt = Salt.New() };
        var request = new RequestOrder
        {
            App = app, AppMaxPrice = AppPrice, Workerpool = pool, WorkerpoolMaxPrice = PoolPrice,
            Requester = Requester.Address, Volume = volume, Trust = trust, Params = "--samples 1000000", Salt = Salt.New(),
        };
        var match = await Requester.MatchOrdersAsync(new SignedOrders(
            appOrder, Signatures.Sign(appOrder, domain, new EthECKey(market.Keys[1])),
            DatasetOrder.None, [],
            poolOrder, Signatures.Sign(poolOrder, domain, new EthECKey(market.Keys[3])),
            request, []), ct); // the requester sends the match itself: its transaction signs the request

        var results = Enumerable.Range(0, volume).Select(task => ((long)task, Hash32.Sha256(Ids.TaskId(match.DealId, task).ToArray()))).ToList();
        TransactionResult settle;
        if (runs && workers == 1 && trust <= 2)
        {
            var head = results.Aggregate(default(Hash32), (h, r) => ResultChain.Next(h, r.Item1, r.Item2));
            var run = ResultRun.Of(default, ResultChain.Sign(domain, match.DealId, head, Worker(0)), results);
            settle = await Scheduler.SettleRunsAsync(match.Deal, match.DealId, [run], "http://127.0.0.1:5002/blobs/", ct);
        }
        else
        {
            var contributions = new List<Contribution>();
            foreach (var (task, digest) in results)
            {
                var taskId = Ids.TaskId(match.DealId, task);
                for (var w = 0; w < workers; w++)
                    contributions.Add(ContributionSigning.ToContribution(task, digest, ContributionSigning.Sign(domain, taskId, digest, Worker(w))));
            }
            settle = await Scheduler.SettleAsync(match.Deal, match.DealId, contributions, "http://127.0.0.1:5002/blobs/", ct);
        }
        var total = match.Transaction.GasUsed + settle.GasUsed;
        return new GasFigure(scenario, volume, total, total / volume, new()
        {
            ["matchOrders"] = match.Transaction.GasUsed,
            ["settle"] = settle.GasUsed,
        });
    }
}

public sealed record GasFigure(
    [property: System.Text.Json.Serialization.JsonPropertyName("scenario")] string Scenario,
    [property: System.Text.Json.Serialization.JsonPropertyName("tasks")] int Tasks,
    [property: System.Text.Json.Serialization.JsonPropertyName("gas_total")] long GasTotal,
    [property: System.Text.Json.Serialization.JsonPropertyName("gas_per_task")] long GasPerTask,
    [property: System.Text.Json.Serialization.JsonPropertyName("calls")] Dictionary<string, long> Calls);
