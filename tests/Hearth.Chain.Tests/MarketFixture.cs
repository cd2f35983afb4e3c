using System.Numerics;
using Hearth.Chain.Local;
using Hearth.Chain.Market;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Nethereum.JsonRpc.Client;
using Nethereum.Signer;

namespace Hearth.Chain.Tests;

/// <summary>A market on a real anvil with one app, one dataset and one pool (accepting callbacks) registered, a funded
/// requester and three staked workers. Account roles: 1 app owner, 2 dataset owner, 3 pool owner, 4 scheduler,
/// 5 requester, 6-8 workers, 9 a requester who deposited nothing, 10-19 free for a test's own use.</summary>
public sealed class MarketFixture : IAsyncLifetime
{
    public static readonly BigInteger AppPrice = Tokens.FromHrth(0.1m);
    public static readonly BigInteger DatasetPrice = Tokens.FromHrth(0.05m);
    public static readonly BigInteger PoolPrice = Tokens.FromHrth(1m);
    public const byte WorkerStakePercent = 30;
    public const byte SchedulerSharePercent = 10;
    /// <summary>Each worker's stake: enough to back a batch of 250 contributions at the pool's worker stake (0.3 HRTH).</summary>
    public static readonly BigInteger WorkerStakeDeposit = Tokens.FromHrth(100);

    public LocalMarket Market { get; private set; } = null!;
    public BigInteger App { get; private set; }
    public BigInteger Dataset { get; private set; }
    public BigInteger Pool { get; private set; }

    public HearthClient AppOwner => Market.Client(1);
    public HearthClient DatasetOwner => Market.Client(2);
    public HearthClient PoolOwner => Market.Client(3);
    public HearthClient Scheduler => Market.Client(4);
    public HearthClient Requester => Market.Client(5);
    public HearthClient Unfunded => Market.Client(9);
    public HearthClient WorkerClient(int i) => Market.Client(6 + i);
    public EthECKey Key(int account) => new(Market.Keys[account]);
    public EthECKey WorkerKey(int i) => Key(6 + i);
    public Eip712Domain Domain => Requester.Domain;

    public async Task InitializeAsync()
    {
        Market = await LocalMarket.StartAsync();
        App = (await AppOwner.RegisterAppAsync(Hash32.Sha256("module"u8), "http://127.0.0.1:1/blobs/", "app")).Id;
        Dataset = (await DatasetOwner.RegisterDatasetAsync(Hash32.Sha256("data"u8), "http://127.0.0.1:1/blobs/", "data")).Id;
        Pool = (await PoolOwner.RegisterWorkerpoolAsync(Scheduler.Address, WorkerStakePercent, SchedulerSharePercent, "http://127.0.0.1:1", "pool", acceptsCallbacks: true)).Id;
        await PoolOwner.DepositAsync(Tokens.FromHrth(10_000));
        await Requester.DepositAsync(Tokens.FromHrth(10_000));
        for (var i = 0; i < 3; i++)
        {
            await WorkerClient(i).DepositAsync(WorkerStakeDeposit);
            await WorkerClient(i).StakeAsync(WorkerStakeDeposit);
        }
    }

    public Task DisposeAsync() => Market.DisposeAsync().AsTask();

    /// <summary>Four compatible orders for <paramref name="volume"/> tasks, with fresh salts.</summary>
    public OrderSet Orders(int volume = 1, uint trust = 1, bool withDataset = true) => new(
        new AppOrder { App = App, AppPrice = AppPrice, Volume = volume, Salt = Salt.New() },
        withDataset ? new DatasetOrder { Dataset = Dataset, DatasetPrice = DatasetPrice, Volume = volume, Salt = Salt.New() } : DatasetOrder.None,
        new WorkerpoolOrder { Workerpool = Pool, WorkerpoolPrice = PoolPrice, Volume = volume, Trust = 100, Salt = Salt.New() },
        new RequestOrder
        {
            App = App, AppMaxPrice = AppPrice, Dataset = withDataset ? Dataset : 0, DatasetMaxPrice = withDataset ? DatasetPrice : 0,
            Workerpool = Pool, WorkerpoolMaxPrice = PoolPrice, Requester = Requester.Address, Volume = volume, Trust = trust,
            Params = "--seed 1", Salt = Salt.New(),
        });

    /// <summary>The orders signed by their owners (the dataset order only when there is a dataset).</summary>
    public SignedOrders Sign(OrderSet o, Eip712Domain? domain = null)
    {
        domain ??= Domain;
        return new SignedOrders(
            o.App, Signatures.Sign(o.App, domain, Key(1)),
            o.Dataset, o.Request.Dataset.IsZero ? [] : Signatures.Sign(o.Dataset, domain, Key(2)),
            o.Pool, Signatures.Sign(o.Pool, domain, Key(3)),
            o.Request, Signatures.Sign(o.Request, domain, Key(5)));
    }

    public Contribution Contribute(Hash32 dealId, long task, Hash32 digest, int worker) => Contribute(dealId, task, digest, WorkerKey(worker));

    public Contribution Contribute(Hash32 dealId, long task, Hash32 digest, EthECKey key) =>
        ContributionSigning.ToContribution(task, digest, ContributionSigning.Sign(Domain, Ids.TaskId(dealId, task), digest, key));

    /// <summary>Moves the chain's clock forward and mines a block.</summary>
    public async Task WarpAsync(TimeSpan by)
    {
        var client = Requester.Sender.Web3.Client;
        await client.SendRequestAsync(new RpcRequest(1, "evm_increaseTime", (long)by.TotalSeconds));
        await client.SendRequestAsync(new RpcRequest(2, "evm_mine"));
    }
}

public sealed record OrderSet(AppOrder App, DatasetOrder Dataset, WorkerpoolOrder Pool, RequestOrder Request);
