using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Local;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Hearth.Scheduler.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A real anvil with the market deployed, an app and this test's workerpool registered, funded requester and pool owner,
/// and staked workers. Accounts: 1 app owner, 3 pool owner, 4 scheduler, 5 requester, 6.. workers.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    public static readonly BigInteger PoolPrice = Tokens.FromHrth(1m);
    public static readonly BigInteger WorkerStakeDeposit = Tokens.FromHrth(100m);
    public const byte WorkerStakePercent = 30;

    private readonly List<SchedulerServerHandle> _servers = [];

    private TestNetwork(LocalMarket market, BigInteger app, BigInteger pool)
    {
        Market = market;
        App = app;
        Pool = pool;
    }

    public LocalMarket Market { get; }
    public BigInteger App { get; }
    public BigInteger Pool { get; }
    public TempDir Dir { get; } = new();
    public HearthClient SchedulerClient => Market.Client(4);
    public HearthClient Requester => Market.Client(5);
    public EthECKey WorkerKey(int i) => new(Market.Keys[6 + i]);

    public static async Task<TestNetwork> StartAsync(int workers = 4)
    {
        var market = await LocalMarket.StartAsync();
        try
        {
            var app = await market.Client(1).RegisterAppAsync(Hash32.Sha256("module"u8), "http://127.0.0.1:1/blobs/", "test-app");
            var pool = await market.Client(3).RegisterWorkerpoolAsync(market.Client(4).Address, WorkerStakePercent, 1, "http://127.0.0.1:1", "test-pool");
            await market.Client(3).DepositAsync(Tokens.FromHrth(10_000));
            await market.Client(5).DepositAsync(Tokens.FromHrth(10_000));
            for (var i = 0; i < workers; i++)
            {
                var w = market.Client(6 + i);
                await w.DepositAsync(WorkerStakeDeposit);
                await w.StakeAsync(WorkerStakeDeposit);
            }
            return new TestNetwork(market, app.Id, pool.Id);
        }
        catch
        {
            await market.DisposeAsync();
            throw;
        }
    }

    public SchedulerOptions Options(Action<SchedulerOptions>? tweak = null)
    {
        var o = new SchedulerOptions
        {
            RpcUrl = Market.RpcUrl,
            ChainId = Market.Deployment.ChainId,
            Deployment = Market.Deployment,
            WorkerpoolId = Pool.ToString(),
            SchedulerPrivateKey = Market.Keys[4],
            SqlitePath = Dir.File("scheduler.db"),
            ResultStorageUrl = "http://127.0.0.1:1/",
            // These tests' workers sign digests they never upload; the tests of the check turn it on with a real storage.
            CheckResultBlobs = false,
            SettlementMaxDelayMs = 0,
            HeartbeatTimeoutSeconds = 30,
        };
        tweak?.Invoke(o);
        return o;
    }

    public async Task<SchedulerServerHandle> StartSchedulerAsync(SchedulerOptions options, FakeTimeProvider? time = null)
    {
        var server = await SchedulerServer.StartAsync(options, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (time is not null) builder.Services.AddSingleton<TimeProvider>(time);
        });
        _servers.Add(server);
        return server;
    }

    public sealed record Orders(SignedOrders Signed);

    /// <param name="pool">Another pool of the same owner (account 3); this test's pool by default.</param>
    /// <param name="needs">What the request asks of each task (its tag); <paramref name="offer"/> what the pool order offers.</param>
    /// <param name="parameters">The request's params; "--samples 1000" by default.</param>
    public Orders MakeOrders(int volume, uint trust, BigInteger? pool = null, ResourceNeeds? needs = null, ResourceNeeds? offer = null, string parameters = "--samples 1000")
    {
        var domain = Requester.Domain;
        var appOrder = new AppOrder { App = App, AppPrice = 0, Volume = volume, Salt = Salt.New() };
        var poolOrder = new WorkerpoolOrder
        {
            Workerpool = pool ?? Pool, WorkerpoolPrice = PoolPrice, Volume = volume, Trust = 100,
            Tag = offer is null ? new byte[32] : ResourceTag.Offering(offer), Salt = Salt.New(),
        };
        var request = new RequestOrder
        {
            App = App, AppMaxPrice = 0, Workerpool = pool ?? Pool, WorkerpoolMaxPrice = PoolPrice,
            Requester = Requester.Address, Volume = volume, Trust = trust, Params = parameters,
            Tag = ResourceTag.Asking(needs ?? ResourceNeeds.None), Salt = Salt.New(),
        };
        return new Orders(new SignedOrders(
            appOrder, Signatures.Sign(appOrder, domain, new EthECKey(Market.Keys[1])),
            DatasetOrder.None, [],
            poolOrder, Signatures.Sign(poolOrder, domain, new EthECKey(Market.Keys[3])),
            request, Signatures.Sign(request, domain, new EthECKey(Market.Keys[5]))));
    }

    public async Task<MatchResult> MatchAsync(int volume, uint trust, BigInteger? pool = null, string parameters = "--samples 1000") =>
        await Requester.MatchOrdersAsync(MakeOrders(volume, trust, pool, parameters: parameters).Signed);

    /// <summary>Deposits and stakes <paramref name="stake"/> for development account <paramref name="account"/>.</summary>
    public async Task StakeAsync(int account, BigInteger stake)
    {
        var w = Market.Client(account);
        await w.DepositAsync(stake);
        await w.StakeAsync(stake);
    }

    /// <summary>
    /// A second pool of the same owner, whose scheduler is account 2: this test settles its deals directly, and this
    /// test's scheduler never sees them (it watches its own pool only).
    /// </summary>
    public async Task<BigInteger> OtherPoolAsync() =>
        (await Market.Client(3).RegisterWorkerpoolAsync(Market.Client(2).Address, WorkerStakePercent, 1, "http://127.0.0.1:1", "other-pool")).Id;

    /// <summary>Settles task 0 of a new deal of <paramref name="pool"/> (scheduler: account 2) at trust 2: the workers of
    /// <paramref name="agreeing"/> agree, those of <paramref name="dissenting"/> are slashed.</summary>
    public async Task SettleInOtherPoolAsync(BigInteger pool, int[] agreeing, int[] dissenting)
    {
        var match = await MatchAsync(1, 2, pool);
        var taskId = Ids.TaskId(match.DealId, 0);
        var honest = Hash32.Sha256("other pool honest"u8);
        var wrong = Hash32.Sha256("other pool wrong"u8);
        var contributions = agreeing.Select(i => ContributionSigning.ToContribution(0, honest, ContributionSigning.Sign(Requester.Domain, taskId, honest, WorkerKey(i))))
            .Concat(dissenting.Select(i => ContributionSigning.ToContribution(0, wrong, ContributionSigning.Sign(Requester.Domain, taskId, wrong, WorkerKey(i)))))
            .ToList();
        await Market.Client(2).SettleAsync(match.Deal, match.DealId, contributions, "http://127.0.0.1:1/blobs/");
    }

    /// <summary>A client with a fresh nonce: after evm_revert the cached clients' nonces are ahead of the chain.</summary>
    public HearthClient FreshClient(int account) =>
        new(new TransactionSender(Market.RpcUrl, Market.Keys[account], Market.Anvil.ChainId), Market.Deployment);

    public async Task StopAsync(SchedulerServerHandle server)
    {
        _servers.Remove(server);
        await server.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _servers) await s.DisposeAsync();
        await Market.DisposeAsync();
        Dir.Dispose();
    }
}
