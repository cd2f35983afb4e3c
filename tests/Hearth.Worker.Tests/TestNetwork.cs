using System.Numerics;
using System.Reflection;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Storage;
using Hearth.Storage.Client;
using Hearth.Storage.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;

namespace Hearth.Worker.Tests;

/// <summary>
/// A fake scheduler, a real storage service in a temp folder and the workers a test starts; all torn down together.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    public const string Workerpool = "7";
    public const long ChainId = 31337;
    public const string Market = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

    private readonly ITestOutputHelper _output;
    private readonly List<WorkerHandle> _workers = [];

    private TestNetwork(ITestOutputHelper output, TempDir root, StorageServerHandle storage, FakeScheduler? scheduler)
    {
        _output = output;
        Root = root;
        Storage = storage;
        SchedulerOrNull = scheduler;
        StorageHttp = StorageClient.CreateHttpClient(storage.BaseUrl);
        StorageClient = new StorageClient(StorageHttp);
    }

    public static Eip712Domain Domain { get; } = new(new BigInteger(ChainId), Market);

    public static string RepositoryRoot { get; } = typeof(TestNetwork).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "HearthRoot").Value!;

    public TempDir Root { get; }

    public StorageServerHandle Storage { get; }

    public StorageClient StorageClient { get; }

    public FakeScheduler Scheduler => SchedulerOrNull ?? throw new InvalidOperationException("this network was started without a scheduler");

    public FakeScheduler? SchedulerOrNull { get; set; }

    private HttpClient StorageHttp { get; }

    /// <param name="storageReadDelay">Holds every blob download this long before answering: a slow storage.</param>
    /// <param name="withScheduler">False starts no scheduler (a test of the worker waiting for one).</param>
    public static async Task<TestNetwork> StartAsync(ITestOutputHelper output, TimeSpan? storageReadDelay = null, bool withScheduler = true)
    {
        var root = new TempDir();
        var storage = await StorageServer.StartAsync(new StorageOptions { RootPath = root.Sub("storage") }, builder =>
        {
            builder.Logging.ClearProviders();
            if (storageReadDelay is { } delay)
                builder.Services.AddSingleton<IStartupFilter>(new SlowReads(delay));
        });
        var scheduler = withScheduler ? await FakeScheduler.StartAsync(Workerpool, TestKeys.Scheduler, output) : null;
        return new TestNetwork(output, root, storage, scheduler);
    }

    public static string App(string name) => Path.Combine(RepositoryRoot, "apps", name, "build", name + ".wasm");

    /// <summary>Options of worker number <paramref name="n"/>: one slot, fast heartbeats and retries, no telemetry.</summary>
    public WorkerOptions WorkerOptions(int n, Uri? schedulerUrl = null) => new()
    {
        SchedulerUrl = (schedulerUrl ?? Scheduler.BaseUrl).AbsoluteUri,
        Workerpool = Workerpool,
        PrivateKey = TestKeys.Worker(n),
        StorageUrl = Storage.BaseUrl.AbsoluteUri,
        CacheFolder = Root.Sub($"worker-{n}/cache"),
        WorkFolder = Root.Sub($"worker-{n}/work"),
        Slots = 1,
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        TelemetrySource = TelemetrySources.None,
        ChainId = ChainId,
        MarketAddress = Market,
        SchedulerAddress = TestKeys.Scheduler.GetPublicAddress(),
        AssignmentWaitSeconds = 2,
        RetryInitialDelay = TimeSpan.FromMilliseconds(100),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        ProgressReportDelay = TimeSpan.Zero,
    };

    public async Task<WorkerHandle> StartWorkerAsync(WorkerOptions options, Action<IServiceCollection>? configure = null)
    {
        var prefix = "worker-" + options.PrivateKey[2..6];
        var worker = await WorkerHost.StartAsync(options, services =>
        {
            services.AddLogging(logging => logging.ClearProviders().AddProvider(new XunitLoggerProvider(_output, prefix)));
            configure?.Invoke(services);
        });
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Stores the bytes and returns the asset as a registry would describe it.</summary>
    public async Task<AssetRef> PutAsync(byte[] content, string? name = null)
    {
        var address = await StorageClient.PutAsync(new MemoryStream(content));
        return new AssetRef("1", "0x" + address.Hex, $"{Storage.BaseUrl}blobs/{address.Hex}{(name is null ? "" : "?name=" + name)}");
    }

    public Task<AssetRef> PutFileAsync(string path) => File.ReadAllBytesAsync(path).ContinueWith(read => PutAsync(read.Result)).Unwrap();

    /// <summary>An assignment of task <paramref name="index"/> of a deal to <paramref name="worker"/>, authorised by <paramref name="signer"/>.</summary>
    public Assignment Assign(string worker, AssetRef app, IReadOnlyList<string> arguments, TaskLimits? limits = null, AssetRef? dataset = null,
        string? replicateId = null, Hash32? dealId = null, long index = 0, EthECKey? signer = null)
    {
        var deal = dealId ?? Hash32.Keccak("deal-1"u8);
        var taskId = Ids.TaskId(deal, index).ToString();
        var authorization = new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.AuthorizationMessage(worker, taskId), signer ?? TestKeys.Scheduler);
        return new Assignment(replicateId ?? $"r-{Guid.NewGuid():N}", deal.ToString(), index, taskId, app, dataset, arguments,
            new Dictionary<string, string>(), limits ?? new TaskLimits(30, 64L << 20, null), DateTimeOffset.UtcNow.AddHours(1),
            Storage.BaseUrl.AbsoluteUri, authorization);
    }

    public async Task<byte[]> DownloadAsync(string digest)
    {
        await using var stream = await StorageClient.OpenReadAsync(BlobAddress.Parse(Hash32.Parse(digest).ToPlainHex()));
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
            await worker.DisposeAsync();
        if (SchedulerOrNull is { } scheduler)
            await scheduler.DisposeAsync();
        StorageHttp.Dispose();
        await Storage.DisposeAsync();
        Root.Dispose();
    }

    /// <summary>Delays every GET, as a storage at the other end of a slow link would.</summary>
    private sealed class SlowReads(TimeSpan delay) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext http, RequestDelegate nextMiddleware) =>
            {
                if (HttpMethods.IsGet(http.Request.Method))
                    await Task.Delay(delay, http.RequestAborted);
                await nextMiddleware(http);
            });
            next(app);
        };
    }
}
