using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Anvil;
using Hearth.Chain.Local;
using Hearth.Market;
using Hearth.Market.Http;
using Hearth.Protocol.Orders;
using Hearth.Scheduler;
using Hearth.Scheduler.Hosting;
using Hearth.Storage;
using Hearth.Storage.Http;
using Hearth.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;

namespace Hearth.Network;

/// <summary>
/// A whole Hearth network in this process: anvil with the contracts, content-addressed storage, the order book,
/// one workerpool with its scheduler, and workers, each on its own loopback port and account; optionally the
/// sample apps and dataset registered and their orders published. Dispose stops everything, in reverse order.
/// </summary>
public sealed class LocalNetwork : IAsyncDisposable
{
    /// <summary>What the local pool gives a task at most, and its orders offer: 1 GiB of memory, of output and of scratch.</summary>
    public static readonly ResourceNeeds PoolOffer = new(1L << 30, 1L << 30, 1L << 30);

    private readonly List<IAsyncDisposable> _parts = [];
    private readonly List<WorkerHandle> _workers = [];
    private bool _ownsDataFolder;

    private LocalNetwork(string dataFolder) => DataFolder = dataFolder;

    public string DataFolder { get; }
    public LocalMarket Chain { get; private set; } = null!;
    public string StorageUrl { get; private set; } = "";
    public string MarketUrl { get; private set; } = "";
    public string SchedulerUrl { get; private set; } = "";
    public BigInteger Workerpool { get; private set; }
    public IReadOnlyList<WorkerHandle> Workers => _workers;
    public IReadOnlyList<PublishedAsset> Apps { get; private set; } = [];
    public PublishedAsset? Dataset { get; private set; }
    public SchedulerServerHandle Scheduler { get; private set; } = null!;
    public MarketServerHandle Market { get; private set; } = null!;

    public string SchedulerAddress => Address(DevAccounts.Scheduler);
    public string Address(int account) => new EthECKey(Chain.Keys[account]).GetPublicAddress();

    public static async Task<LocalNetwork> StartAsync(LocalNetworkOptions? options = null, CancellationToken ct = default)
    {
        options ??= new LocalNetworkOptions();
        var folder = options.DataFolder ?? Path.Combine(Path.GetTempPath(), "hearth-net-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(folder);
        var net = new LocalNetwork(folder) { _ownsDataFolder = options.DataFolder is null };
        try
        {
            await net.StartPartsAsync(options, ct);
            return net;
        }
        catch
        {
            await net.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(LocalNetworkOptions options, CancellationToken ct)
    {
        Chain = await LocalMarket.StartAsync(new AnvilOptions { Accounts = Math.Max(20, DevAccounts.FirstWorker + options.Workers + 4) }, ct: ct);
        _parts.Add(Chain);

        void Quiet(WebApplicationBuilder b) => b.Logging.SetMinimumLevel(options.LogLevel);
        var storage = await StorageServer.StartAsync(new StorageOptions { RootPath = Path.Combine(DataFolder, "storage") }, Quiet, ct);
        _parts.Add(storage);
        (_storage, _storageLogging) = (storage, Quiet);
        StorageUrl = storage.BaseUrl.ToString().TrimEnd('/');

        var schedulerPort = AnvilLauncher.FreeLoopbackPort();
        var poolOwner = Chain.Client(DevAccounts.PoolOwner);
        var pool = await poolOwner.RegisterWorkerpoolAsync(SchedulerAddress, 30, 1, $"http://127.0.0.1:{schedulerPort}", "local boilers", ct: ct);
        Workerpool = pool.Id;
        await poolOwner.DepositAsync(Tokens.FromHrth(100_000), ct);
        await Chain.Client(DevAccounts.Requester).DepositAsync(Tokens.FromHrth(100_000), ct);

        Scheduler = await SchedulerServer.StartAsync(new SchedulerOptions
        {
            RpcUrl = Chain.RpcUrl,
            ChainId = Chain.Deployment.ChainId,
            Deployment = Chain.Deployment,
            WorkerpoolId = Workerpool.ToString(),
            SchedulerPrivateKey = Chain.Keys[DevAccounts.Scheduler],
            SqlitePath = Path.Combine(DataFolder, "scheduler.db"),
            PlacementPolicy = options.Placement,
            ResultStorageUrl = StorageUrl,
            ListenPort = schedulerPort,
            HeartbeatTimeoutSeconds = Math.Max(10, options.HeartbeatSeconds * 5),
            // The sample apps run in milliseconds: keep a next task waiting for each slot.
            AssignmentsAheadPerSlot = 1,
            // Admission: any key with 1 HRTH staked (its workers stake 100); fresh keys are refused at login.
            MinWorkerStake = Tokens.FromHrth(1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A replicate's lease is 3 × its category's time, at least 10 s: the sample apps run in milliseconds.
            ReplicateLeaseMinSeconds = 10,
            TaskMemoryBytes = PoolOffer.MemoryBytes!.Value,
            TaskOutputBytes = PoolOffer.OutputBytes!.Value,
            TaskScratchBytes = PoolOffer.ScratchBytes!.Value,
        }, Quiet, ct);
        _parts.Add(Scheduler);
        SchedulerUrl = Scheduler.BaseUrl.ToString().TrimEnd('/');

        Market = await MarketServer.StartAsync(new MarketOptions
        {
            RpcUrl = Chain.RpcUrl,
            Deployment = Chain.Deployment,
            DatabasePath = Path.Combine(DataFolder, "market.db"),
            PollInterval = TimeSpan.FromMilliseconds(100),
        }, Quiet, ct);
        _parts.Add(Market);
        MarketUrl = Market.BaseUrl.ToString().TrimEnd('/');

        for (var i = 0; i < options.Workers; i++)
            _workers.Add(await StartWorkerAsync(DevAccounts.FirstWorker + i, options, ct));

        if (options.PublishSamples)
        {
            var (apps, dataset) = await SampleAssets.PublishAsync(this, options, ct);
            Apps = apps;
            Dataset = dataset;
        }
    }

    /// <summary>Stakes for development account <paramref name="account"/> and starts a worker daemon with its key.</summary>
    public async Task<WorkerHandle> StartWorkerAsync(int account, LocalNetworkOptions options, CancellationToken ct)
    {
        var worker = Chain.Client(account);
        var escrow = await worker.GetAccountAsync(worker.Address, ct);
        if (escrow.Backing.IsZero)
        {
            await worker.DepositAsync(Tokens.FromHrth(100), ct);
            await worker.StakeAsync(Tokens.FromHrth(100), ct);
        }
        var folder = Path.Combine(DataFolder, $"worker-{account}");
        return await WorkerHost.StartAsync(new WorkerOptions
        {
            SchedulerUrl = SchedulerUrl,
            Workerpool = Workerpool.ToString(),
            PrivateKey = Chain.Keys[account],
            StorageUrl = StorageUrl,
            CacheFolder = Path.Combine(folder, "cache"),
            WorkFolder = Path.Combine(folder, "work"),
            Slots = options.SlotsPerWorker,
            HeartbeatInterval = TimeSpan.FromSeconds(options.HeartbeatSeconds),
            SimulatedDayStartHour = options.BoilerDayStartHour,
            ChainId = Chain.Deployment.ChainId,
            MarketAddress = Chain.Deployment.Market,
            SchedulerAddress = SchedulerAddress,
            AssignmentWaitSeconds = 5,
            MaxOutputBytes = PoolOffer.OutputBytes!.Value,
            MaxScratchBytes = PoolOffer.ScratchBytes!.Value,
        }, services => services.AddLogging(l => l.SetMinimumLevel(options.LogLevel)), ct);
    }

    private StorageServerHandle? _storage;
    private Action<WebApplicationBuilder>? _storageLogging;

    /// <summary>Stops the storage service until <see cref="StartStorageAsync"/>: uploads, downloads and the scheduler's
    /// result lookups are refused meanwhile (a storage outage, for the attack campaign).</summary>
    public async Task StopStorageAsync()
    {
        if (_storage is not { } storage) return;
        _parts.Remove(storage);
        _storage = null;
        await storage.DisposeAsync();
    }

    /// <summary>Starts the storage service again at the same address, over the same blobs.</summary>
    public async Task StartStorageAsync(CancellationToken ct)
    {
        if (_storage is not null) return;
        _storage = await StorageServer.StartAsync(new StorageOptions { RootPath = Path.Combine(DataFolder, "storage"), ListenPort = new Uri(StorageUrl).Port }, _storageLogging, ct);
        _parts.Add(_storage);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in Enumerable.Reverse(_workers)) await worker.DisposeAsync();
        _workers.Clear();
        foreach (var part in Enumerable.Reverse(_parts)) await part.DisposeAsync();
        _parts.Clear();
        if (_ownsDataFolder && Directory.Exists(DataFolder))
        {
            try
            {
                Directory.Delete(DataFolder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a stopping part: the temporary folder is left for the system to clean.
            }
        }
    }
}
