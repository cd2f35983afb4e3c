using Hearth.Chain.Market;
using Hearth.Market.Client;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Hearth.Sandbox;
using Hearth.Storage;
using Hearth.Storage.Client;

namespace Hearth.Network.Requesting;

/// <summary>How far a deal is: tasks settled or refunded on chain.</summary>
public sealed record DealProgress(Hash32 DealId, int Volume, IReadOnlyDictionary<long, Hash32> Settled, IReadOnlySet<long> Refunded, bool DeadlinePassed)
{
    public bool Finished => Settled.Count + Refunded.Count >= Volume || DeadlinePassed;
}

/// <summary>One task's certified result, downloaded, checked against the digest on chain and unpacked by
/// <see cref="ResultArchive"/> (links listed, never created), or refused by it (the archive is then kept, the folder not made).</summary>
public sealed record TaskResult(long Task, Hash32 Digest, string ArchivePath, string Folder)
{
    /// <summary>The archive's links, listed instead of created.</summary>
    public IReadOnlyList<ArchiveLink> LinksNotExtracted { get; init; } = [];

    /// <summary>Why the archive was not unpacked (an unsafe entry or a limit); null when it was.</summary>
    public string? Refused { get; init; }

    /// <summary>The program's failure, when the certified result is a failure record (<see cref="AppFailure"/>).</summary>
    public AppFailure? Failure { get; init; }

    /// <summary>task-N.logs.json beside the result: the run's logs, verified (<see cref="RunLogsReader"/>); null when none were
    /// fetched (no scheduler to ask, no logs sent, or a failure record, whose logs are inside it).</summary>
    public string? LogsPath { get; init; }

    /// <summary>Why the logs announced for the result could not be verified; null otherwise.</summary>
    public string? LogsProblem { get; init; }

    public bool Unpacked => Refused is null;
}

/// <summary>The requester's side of a run: choose orders, match, follow the deal on chain, fetch verified results.</summary>
public sealed class RequesterSession(HearthClient chain, MarketClient? market = null)
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The pool's scheduler: with it, <see cref="DownloadAsync(Hash32, string, CancellationToken)"/> also writes each
    /// successful task's verified logs beside its result (task-N.logs.json).</summary>
    public SchedulerReader? Scheduler { get; init; }

    /// <summary>The cheapest compatible orders; a request with a callback reads each candidate pool's policy on chain.</summary>
    public Task<OrderChoice> ChooseAsync(RunRequest request, CancellationToken ct) =>
        OrderChooser.ChooseAsync(market ?? throw new InvalidOperationException("no order book to choose orders from"), request, chain.Address, ct,
            async (pool, token) => (await chain.GetWorkerpoolPolicyAsync(pool, token)).AcceptsCallbacks);

    /// <summary>Signs nothing: the requester sends the match itself, and its transaction authorises its own order.</summary>
    public async Task<MatchResult> MatchAsync(RunRequest request, OrderChoice choice, CancellationToken ct)
    {
        var app = (AppOrder)choice.App.Order;
        var pool = (WorkerpoolOrder)choice.Pool.Order;
        var dataset = choice.Dataset?.Order as DatasetOrder;
        var order = new RequestOrder
        {
            App = request.App, AppMaxPrice = app.AppPrice,
            Dataset = request.Dataset, DatasetMaxPrice = dataset?.DatasetPrice ?? 0,
            Workerpool = pool.Workerpool, WorkerpoolMaxPrice = pool.WorkerpoolPrice,
            Requester = chain.Address, Volume = request.Volume, Category = request.Category, Trust = request.Trust,
            Params = request.Params, Callback = request.Callback, Tag = ResourceTag.Asking(request.Needs), Salt = Salt.New(),
        };
        return await chain.MatchOrdersAsync(new SignedOrders(
            app, choice.App.Signature, dataset ?? DatasetOrder.None, choice.Dataset?.Signature ?? [],
            pool, choice.Pool.Signature, order, []), ct);
    }

    public async Task<DealProgress> ProgressAsync(Hash32 dealId, Hearth.Protocol.Deals.Deal deal, CancellationToken ct)
    {
        var settled = (await chain.TasksSettledAsync(dealId, ct)).ToDictionary(s => (long)s.Task, s => new Hash32(s.Digest));
        var refunded = (await chain.TasksRefundedAsync(dealId, ct)).Select(r => (long)r.Task).ToHashSet();
        return new DealProgress(dealId, (int)deal.Volume, settled, refunded, DateTimeOffset.UtcNow >= deal.DeadlineTime);
    }

    /// <summary>
    /// Polls the chain until every task is settled or refunded, or the deadline passes. Each poll reads only the blocks
    /// mined since the previous one, so following a deal of thousands of tasks costs no more per poll than a small one.
    /// </summary>
    public async Task<DealProgress> FollowAsync(Hash32 dealId, Hearth.Protocol.Deals.Deal deal, Func<DealProgress, Task>? onProgress, CancellationToken ct)
    {
        var settled = new Dictionary<long, Hash32>();
        var refunded = new HashSet<long>();
        var from = chain.Deployment.Block;
        while (true)
        {
            var head = await chain.BlockNumberAsync(ct);
            if (head >= from)
            {
                foreach (var s in await chain.TasksSettledAsync(dealId, from, head, ct)) settled[(long)s.Task] = new Hash32(s.Digest);
                foreach (var r in await chain.TasksRefundedAsync(dealId, from, head, ct)) refunded.Add((long)r.Task);
                from = head + 1;
            }
            var progress = new DealProgress(dealId, (int)deal.Volume, new Dictionary<long, Hash32>(settled), new HashSet<long>(refunded), DateTimeOffset.UtcNow >= deal.DeadlineTime);
            if (onProgress is not null) await onProgress(progress);
            if (progress.Finished) return progress;
            await Task.Delay(PollInterval, ct);
        }
    }

    /// <summary>Downloads each settled task's archive from where the scheduler stored it, checks its sha256 against the
    /// digest on chain, and only then unpacks it into <paramref name="folder"/>/task-N with <see cref="ResultArchive"/>.
    /// An archive it refuses is reported in its <see cref="TaskResult.Refused"/>, and the other tasks are still unpacked.</summary>
    public Task<IReadOnlyList<TaskResult>> DownloadAsync(Hash32 dealId, string folder, CancellationToken ct) =>
        DownloadAsync(dealId, folder, ResultArchiveLimits.Default, ct);

    /// <inheritdoc cref="DownloadAsync(Hash32, string, CancellationToken)"/>
    public async Task<IReadOnlyList<TaskResult>> DownloadAsync(Hash32 dealId, string folder, ResultArchiveLimits limits, CancellationToken ct)
    {
        var settled = await chain.TasksSettledAsync(dealId, ct);
        var locations = (await chain.ResultsStoredAsync(dealId, ct)).Select(r => r.Location).Distinct().ToList();
        if (settled.Count > 0 && locations.Count == 0) throw new InvalidOperationException($"deal {dealId} names no result location");
        Directory.CreateDirectory(folder);
        var results = new List<TaskResult>();
        foreach (var s in settled.OrderBy(s => s.Task))
        {
            var digest = new Hash32(s.Digest);
            var archive = Path.Combine(folder, $"task-{s.Task}.tar");
            await DownloadFromAnyAsync(locations, BlobAddress.Parse(digest.ToPlainHex()), archive, ct);
            var target = Path.Combine(folder, $"task-{s.Task}");
            // A link at task-N is removed itself, never what it points to.
            if (new DirectoryInfo(target).LinkTarget is not null) File.Delete(target);
            else if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            try
            {
                var unpacked = await ResultArchive.ExtractAsync(archive, target, limits, ct);
                var failure = AppFailure.Read(target);
                var (logsPath, logsProblem) = failure is null && Scheduler is { } scheduler
                    ? await WriteLogsAsync(scheduler, dealId, (long)s.Task, digest, locations, Path.Combine(folder, $"task-{s.Task}.logs.json"), ct) : (null, null);
                results.Add(new TaskResult((long)s.Task, digest, archive, target)
                    { LinksNotExtracted = unpacked.LinksNotExtracted, Failure = failure, LogsPath = logsPath, LogsProblem = logsProblem });
            }
            catch (ResultArchiveException e)
            {
                results.Add(new TaskResult((long)s.Task, digest, archive, target) { Refused = e.Message });
            }
        }
        return results;
    }

    /// <summary>Writes a task's verified logs to <paramref name="path"/>: (the path, null), (null, null) when there are none, (null, why) when they do not verify.</summary>
    private async Task<(string? Path, string? Problem)> WriteLogsAsync(SchedulerReader scheduler, Hash32 dealId, long task, Hash32 digest, IReadOnlyList<string> locations, string path, CancellationToken ct)
    {
        try
        {
            if (await RunLogsReader.BesideResultAsync(chain, scheduler, dealId, task, digest, locations, ct) is not { } logs) return (null, null);
            await File.WriteAllTextAsync(path, System.Text.Json.JsonSerializer.Serialize(RunLogsReader.ToView(logs), RunLogsReader.JsonOptions), ct);
            return (path, null);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
        {
            return (null, e.Message);
        }
    }

    private static async Task DownloadFromAnyAsync(IReadOnlyList<string> locations, BlobAddress address, string path, CancellationToken ct)
    {
        Exception? last = null;
        foreach (var location in locations)
        {
            try
            {
                var storage = new StorageClient(StorageClient.CreateHttpClient(StorageBase(location)));
                await storage.DownloadAsync(address, path, ct);
                return;
            }
            catch (StorageException e)
            {
                last = e;
            }
        }
        throw new InvalidOperationException($"result {address.Hex} could not be fetched from {string.Join(", ", locations)}: {last?.Message}", last);
    }

    /// <summary>A result location is a storage's base URL, optionally followed by /blobs/.</summary>
    private static Uri StorageBase(string location)
    {
        var trimmed = location.TrimEnd('/');
        if (trimmed.EndsWith("/blobs", StringComparison.Ordinal)) trimmed = trimmed[..^"/blobs".Length];
        return new Uri(trimmed + "/");
    }
}
