using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Local;
using Hearth.Chain.Market;
using Hearth.Market.Client;
using Hearth.Market.Http;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;

namespace Hearth.Market.Tests;

[CollectionDefinition(Name)]
public sealed class MarketCollection : ICollectionFixture<MarketFixture>
{
    public const string Name = "market";
}

/// <summary>One anvil with the contracts, an app, a dataset and a pool registered, and a market on loopback whose
/// background poll is slow: tests call <see cref="MarketServerHandle.SyncAsync"/> as their barrier instead of waiting.
/// Accounts: 1 app owner, 2 dataset owner, 3 pool owner, 4 scheduler, 5 requester, 6 a stranger.</summary>
public sealed class MarketFixture : IAsyncLifetime
{
    public const int AppOwnerKey = 1, DatasetOwnerKey = 2, PoolOwnerKey = 3, SchedulerKey = 4, RequesterKey = 5, StrangerKey = 6;

    private readonly TempDir _dir = new();

    public LocalMarket Chain { get; private set; } = null!;
    public MarketServerHandle Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public MarketClient Client { get; private set; } = null!;
    public BigInteger App { get; private set; }
    public BigInteger Dataset { get; private set; }
    public BigInteger Pool { get; private set; }

    public HearthClient AppOwner => Chain.Client(AppOwnerKey);
    public HearthClient DatasetOwner => Chain.Client(DatasetOwnerKey);
    public HearthClient PoolOwner => Chain.Client(PoolOwnerKey);
    public HearthClient Requester => Chain.Client(RequesterKey);
    public Eip712Domain Domain => AppOwner.Domain;

    public EthECKey Key(int index) => new(Chain.Keys[index]);

    public async Task InitializeAsync()
    {
        Chain = await LocalMarket.StartAsync();
        App = (await AppOwner.RegisterAppAsync(Hash32.Sha256("module"u8), "http://127.0.0.1:1/blobs/", "test-app")).Id;
        Dataset = (await DatasetOwner.RegisterDatasetAsync(Hash32.Sha256("data"u8), "http://127.0.0.1:1/blobs/", "test-data")).Id;
        Pool = await NewPoolAsync();
        await PoolOwner.DepositAsync(Tokens.FromHrth(10_000));
        await Requester.DepositAsync(Tokens.FromHrth(10_000));
        Server = await StartServerAsync(_dir.Sub("market.db"));
        Http = new HttpClient { BaseAddress = Server.BaseUrl };
        Client = new MarketClient(Http);
    }

    public MarketOptions Options(string databasePath) => new()
    {
        RpcUrl = Chain.RpcUrl,
        Deployment = Chain.Deployment,
        DatabasePath = databasePath,
        PollInterval = TimeSpan.FromHours(1),
        MaxBodyBytes = 16 * 1024,
        // The shared book takes every test's publications from one loopback client; SpamBoundsTests check the limit.
        PublishBurst = 100_000,
        PublishPerSecond = 100_000,
    };

    public Task<MarketServerHandle> StartServerAsync(string databasePath, TimeProvider? time = null, Action<MarketOptions>? tweak = null)
    {
        var options = Options(databasePath);
        tweak?.Invoke(options);
        return MarketServer.StartAsync(options, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (time is not null) builder.Services.AddSingleton(time);
        });
    }

    public string NewDatabasePath() => _dir.Sub($"{Guid.NewGuid():N}.db");

    public async Task<BigInteger> NewAppAsync(int ownerKey = AppOwnerKey) =>
        (await Chain.Client(ownerKey).RegisterAppAsync(Hash32.Sha256(Salt.New()), "http://127.0.0.1:1/blobs/", "app")).Id;

    public async Task<BigInteger> NewDatasetAsync() =>
        (await DatasetOwner.RegisterDatasetAsync(Hash32.Sha256(Salt.New()), "http://127.0.0.1:1/blobs/", "data")).Id;

    public async Task<BigInteger> NewPoolAsync() =>
        (await PoolOwner.RegisterWorkerpoolAsync(Chain.Client(SchedulerKey).Address, 30, 1, "http://127.0.0.1:1", "pool")).Id;

    // ------------------------------------------------------------ builders

    public AppOrder AppOrder(BigInteger? app = null, decimal price = 0.1m, int volume = 10, long expiry = 0, byte[]? tag = null) =>
        new() { App = app ?? App, AppPrice = Tokens.FromHrth(price), Volume = volume, Expiry = expiry, Tag = tag ?? new byte[32], Salt = Salt.New() };

    public DatasetOrder DatasetOrder(BigInteger? dataset = null, decimal price = 0.05m, int volume = 10, BigInteger? appRestrict = null) =>
        new() { Dataset = dataset ?? Dataset, DatasetPrice = Tokens.FromHrth(price), Volume = volume, AppRestrict = appRestrict ?? 0, Salt = Salt.New() };

    public WorkerpoolOrder PoolOrder(BigInteger? pool = null, decimal price = 1m, int volume = 10, int category = 0, byte[]? tag = null) =>
        new() { Workerpool = pool ?? Pool, WorkerpoolPrice = Tokens.FromHrth(price), Volume = volume, Category = category, Trust = 1, Tag = tag ?? new byte[32], Salt = Salt.New() };

    public RequestOrder RequestOrder(BigInteger? app = null, BigInteger? pool = null, int volume = 1, decimal appMax = 0.1m, decimal poolMax = 1m, BigInteger? dataset = null, decimal datasetMax = 0m) => new()
    {
        App = app ?? App, AppMaxPrice = Tokens.FromHrth(appMax), Dataset = dataset ?? 0, DatasetMaxPrice = Tokens.FromHrth(datasetMax),
        Workerpool = pool ?? 0, WorkerpoolMaxPrice = Tokens.FromHrth(poolMax), Requester = Requester.Address, Volume = volume,
        Trust = 1, Beneficiary = Requester.Address, Params = "--samples 1000", Salt = Salt.New(),
    };

    public byte[] Sign(IOrder order, int key) => Signatures.Sign(order, Domain, Key(key));

    public byte[] SignAsOwner(IOrder order) => Sign(order, order.Kind switch
    {
        OrderKind.App => AppOwnerKey,
        OrderKind.Dataset => DatasetOwnerKey,
        OrderKind.Workerpool => PoolOwnerKey,
        _ => RequesterKey,
    });

    public Task<PublishedOrder> PublishAsync(IOrder order) => Client.PublishAsync(order, SignAsOwner(order));

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        if (Chain is not null) await Chain.DisposeAsync();
        _dir.Dispose();
    }
}
