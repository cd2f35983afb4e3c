using System.Collections.Concurrent;
using Hearth.Protocol.WorkerApi;
using Hearth.Storage;
using Hearth.Storage.Client;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Fetches app modules and datasets into the worker's cache (<c>&lt;root&gt;/&lt;aa&gt;/&lt;sha256&gt;</c>), each checked
/// against the sha256 the assignment gives, within the bounds of <see cref="WorkerOptions"/>: a size cap per asset, an
/// idle and a total timeout, and the hosts and addresses <see cref="WorkerOptions.AllowedDownloadHosts"/> allows.
/// Replicates that need the same blob from the same place at once share one download; it is cancelled as soon as the
/// last of them stops waiting (cancelled, past its deadline), or when its total timeout expires.
/// </summary>
public sealed class AssetFetcher : IDisposable
{
    private const string IncomingFolderName = ".incoming";
    private const string TotalSetting = WorkerOptions.SectionName + ":" + nameof(WorkerOptions.DownloadTimeout);

    private readonly string _root;
    private readonly TimeSpan _totalTimeout;
    private readonly BoundedDownloader _downloader;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(Uri Url, BlobAddress Address, DownloadLimit Limit), SharedDownload> _inFlight = [];
    // Hashing a large dataset on every use would cost more than the task; a file is checked once per process.
    private readonly ConcurrentDictionary<BlobAddress, bool> _verified = new();
    private readonly ConcurrentDictionary<Uri, Lazy<(HttpClient Http, StorageClient Client)>> _uploads = new();
    private bool _disposed;

    /// <param name="cacheFolder">Absolute folder of the downloaded blobs.</param>
    /// <param name="options">Limits, timeouts and allowed hosts; its <see cref="WorkerOptions.StorageUrl"/> is always allowed.</param>
    public AssetFetcher(string cacheFolder, WorkerOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(cacheFolder) || !Path.IsPathFullyQualified(cacheFolder))
            throw new ArgumentException($"The asset cache needs an absolute folder, got '{cacheFolder}'.", nameof(cacheFolder));
        _root = Path.GetFullPath(cacheFolder);
        Directory.CreateDirectory(Path.Combine(_root, IncomingFolderName));
        _totalTimeout = options.DownloadTimeout;
        _loggers = loggers;
        _logger = loggers.CreateLogger<AssetFetcher>();
        var storage = Uri.TryCreate(options.StorageUrl, UriKind.Absolute, out var storageUrl) ? storageUrl : null;
        _downloader = new BoundedDownloader(new DownloadAddressPolicy(options.AllowedDownloadHosts, storage), options.DownloadIdleTimeout, _logger);
    }

    /// <summary>
    /// The local path of the asset's bytes. Throws <see cref="ReplicateFailedException"/> of kind
    /// <see cref="FailureKinds.Integrity"/> when they do not match its checksum, and <see cref="DownloadException"/> when
    /// they could not be downloaded within the bounds. <paramref name="ct"/> ends this caller's wait; the download itself
    /// ends when no caller waits for it any more.
    /// </summary>
    public async Task<string> FetchAsync(AssetRef asset, AssetLocation location, string what, DownloadLimit limit, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var expected = AssignmentCheck.BlobAddressOf(asset.Checksum);
        string path;
        try
        {
            path = await GetAsync(new Uri(location.StorageUrl, $"blobs/{location.Address.Hex}"), location.Address, limit, ct);
        }
        catch (BlobIntegrityException e)
        {
            throw new ReplicateFailedException(FailureKinds.Integrity,
                $"{what} bytes do not match sha256 {expected}: storage at {location.StorageUrl.Authority} sent bytes hashing to {e.Actual?.ToString() ?? "something else"}", e);
        }
        if (location.Address != expected)
        {
            // The location names other content: its bytes hash (verified) to that address, not to the registered one.
            throw new ReplicateFailedException(FailureKinds.Integrity,
                $"{what} bytes do not match sha256 {expected}: the bytes at {location.StorageUrl}blobs/{location.Address} hash to {location.Address}");
        }
        return path;
    }

    /// <summary>
    /// The local path of the bytes at <paramref name="url"/> (any http(s) URL the address policy allows), checked against
    /// <paramref name="expected"/>: as <see cref="FetchAsync(AssetRef, AssetLocation, string, DownloadLimit, CancellationToken)"/>,
    /// for a task's input files.
    /// </summary>
    public async Task<string> FetchAsync(Uri url, BlobAddress expected, string what, DownloadLimit limit, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return await GetAsync(url, expected, limit, ct);
        }
        catch (BlobIntegrityException e)
        {
            throw new ReplicateFailedException(FailureKinds.Integrity,
                $"{what} bytes do not match sha256 {expected}: {url.Authority} sent bytes hashing to {e.Actual?.ToString() ?? "something else"}", e);
        }
    }

    /// <summary>A client of the storage that results are uploaded to.</summary>
    public StorageClient ClientFor(Uri storageUrl) =>
        _uploads.GetOrAdd(storageUrl, url => new Lazy<(HttpClient, StorageClient)>(() =>
        {
            var http = StorageClient.CreateHttpClient(url);
            // A result archive is bounded by MaxOutputBytes; cancellation (shutdown, deadline) bounds an upload.
            http.Timeout = Timeout.InfiniteTimeSpan;
            return (http, new StorageClient(http, _loggers.CreateLogger<StorageClient>()));
        })).Value.Client;

    public void Dispose()
    {
        List<SharedDownload> running;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            running = [.. _inFlight.Values];
            _inFlight.Clear();
        }
        foreach (var download in running)
            download.Cancel.Cancel();
        _downloader.Dispose();
        foreach (var upload in _uploads.Values.Where(lazy => lazy.IsValueCreated))
            upload.Value.Http.Dispose();
    }

    private string PathOf(BlobAddress address) => Path.Combine(_root, address.Shard, address.Hex);

    private async Task<string> GetAsync(Uri url, BlobAddress address, DownloadLimit limit, CancellationToken ct)
    {
        var path = PathOf(address);
        if (_verified.ContainsKey(address) && File.Exists(path))
            return WithinLimit(path, limit);

        var key = (url, address, limit);
        SharedDownload download;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_inFlight.TryGetValue(key, out download!))
            {
                download = new SharedDownload();
                download.Cancel.CancelAfter(_totalTimeout);
                _inFlight[key] = download;
                download.Task = RunAsync(key, download);
                // A download every waiter left may still fail after they went: its exception is observed here.
                download.Task.ContinueWith(static task => _ = task.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            download.Waiters++;
        }

        try
        {
            return WithinLimit(await download.Task.WaitAsync(ct), limit);
        }
        finally
        {
            var abandon = false;
            lock (_gate)
            {
                if (--download.Waiters == 0 && !download.Task.IsCompleted)
                {
                    // The last waiter left: nobody needs these bytes now, and a later caller starts afresh.
                    abandon = download.Abandoned = true;
                    if (_inFlight.TryGetValue(key, out var current) && current == download)
                        _inFlight.Remove(key);
                }
            }
            if (abandon)
            {
                WorkerLog.DownloadAbandoned(_logger, address.Hex, url.Authority);
                download.Cancel.Cancel();
            }
        }
    }

    /// <summary>The shared download: runs apart from every caller, under its own total timeout.</summary>
    private async Task<string> RunAsync((Uri Url, BlobAddress Address, DownloadLimit Limit) key, SharedDownload download)
    {
        // Leave the caller (and its lock) at once.
        await Task.Yield();
        try
        {
            return await DownloadToCacheAsync(key.Url, key.Address, key.Limit, download.Cancel.Token);
        }
        catch (OperationCanceledException e) when (download.Cancel.IsCancellationRequested && !download.Abandoned && !_disposed)
        {
            throw new DownloadException($"the download from {key.Url.Authority} took longer than {TotalSetting} ({BoundedDownloader.Seconds(_totalTimeout)})",
                DownloadFailure.Permanent, inner: e);
        }
        finally
        {
            lock (_gate)
            {
                if (_inFlight.TryGetValue(key, out var current) && current == download)
                    _inFlight.Remove(key);
            }
            // Stop the total-timeout timer; the source is never disposed, so a late Cancel is always safe.
            download.Cancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private async Task<string> DownloadToCacheAsync(Uri url, BlobAddress address, DownloadLimit limit, CancellationToken ct)
    {
        var path = PathOf(address);
        if (File.Exists(path))
        {
            if (await HashFileAsync(path, ct) == address)
            {
                _verified[address] = true;
                return path;
            }
            WorkerLog.CachedBlobCorrupted(_logger, address.Hex);
            File.Delete(path);
        }

        // A unique name keeps two downloads (or two processes sharing the folder) apart; the rename is atomic.
        var temp = Path.Combine(_root, IncomingFolderName, $"{address.Hex}.{Guid.NewGuid():N}");
        try
        {
            var actual = await _downloader.DownloadAsync(url, temp, limit, ct);
            if (actual != address)
                throw new BlobIntegrityException(address, actual, $"{url.Authority} sent bytes for {address} that hash to {actual}.");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
        _verified[address] = true;
        WorkerLog.Downloaded(_logger, address.Hex, url.Authority, new FileInfo(path).Length);
        return path;
    }

    /// <summary>A blob already cached (perhaps as a dataset) is still held to the limit of what it is used as now.</summary>
    private static string WithinLimit(string path, DownloadLimit limit)
    {
        var size = new FileInfo(path).Length;
        if (size > limit.MaxBytes)
            throw new DownloadException($"the blob has {size} bytes, more than {limit.Setting} ({limit.MaxBytes} bytes)", DownloadFailure.Permanent);
        return path;
    }

    private static async Task<BlobAddress> HashFileAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await BlobAddress.ComputeAsync(file, ct);
    }

    private sealed class SharedDownload
    {
        public CancellationTokenSource Cancel { get; } = new();

        public Task<string> Task { get; set; } = null!;

        /// <summary>Callers waiting for it; guarded by the fetcher's lock.</summary>
        public int Waiters { get; set; }

        public volatile bool Abandoned;
    }
}
