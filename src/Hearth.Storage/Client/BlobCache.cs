using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Storage.Client;

/// <summary>
/// A worker's local copy of blobs it needs, in front of a <see cref="StorageClient"/>. Files live at
/// <c>&lt;root&gt;/&lt;aa&gt;/&lt;sha256&gt;</c>; each is checked against its address before it is first handed out,
/// and concurrent requests for the same blob share one download.
/// </summary>
public sealed class BlobCache : IDisposable
{
    private const string IncomingFolderName = ".incoming";

    private readonly StorageClient _client;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BlobAddress, Lazy<Task<string>>> _inFlight = new();
    // Hashing a large dataset on every use would cost more than the task; a file is checked once per process.
    private readonly ConcurrentDictionary<BlobAddress, bool> _verified = new();
    // Shared downloads outlive any one caller's cancellation, but not the cache.
    private readonly CancellationTokenSource _lifetime = new();

    public BlobCache(StorageClient client, string rootPath, ILogger<BlobCache>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrWhiteSpace(rootPath) || !Path.IsPathFullyQualified(rootPath))
            throw new ArgumentException($"The blob cache needs an absolute folder, got '{rootPath}'.", nameof(rootPath));
        _client = client;
        _logger = logger ?? NullLogger<BlobCache>.Instance;
        RootPath = Path.GetFullPath(rootPath);
        Directory.CreateDirectory(Path.Combine(RootPath, IncomingFolderName));
    }

    public string RootPath { get; }

    public string PathOf(BlobAddress address) => Path.Combine(RootPath, address.Shard, address.Hex);

    /// <summary>
    /// The local path of the blob, downloading it when missing or corrupted. <paramref name="ct"/> stops this caller's
    /// wait; a download other callers share goes on.
    /// </summary>
    public async Task<string> GetOrDownloadAsync(BlobAddress address, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        var path = PathOf(address);
        if (_verified.ContainsKey(address) && File.Exists(path))
            return path;

        Lazy<Task<string>>? mine = null;
        mine = new Lazy<Task<string>>(() => FetchOnceAsync(address, mine!));
        var shared = _inFlight.GetOrAdd(address, mine);
        return await shared.Value.WaitAsync(ct);
    }

    /// <summary>Removes the blob from the cache; false when it was not there.</summary>
    public bool Evict(BlobAddress address)
    {
        _verified.TryRemove(address, out _);
        var path = PathOf(address);
        if (!File.Exists(path))
            return false;
        File.Delete(path);
        return true;
    }

    public void Dispose()
    {
        _lifetime.Cancel();
        _lifetime.Dispose();
    }

    private async Task<string> FetchOnceAsync(BlobAddress address, Lazy<Task<string>> entry)
    {
        try
        {
            return await FetchAsync(address, _lifetime.Token);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<BlobAddress, Lazy<Task<string>>>(address, entry));
        }
    }

    private async Task<string> FetchAsync(BlobAddress address, CancellationToken ct)
    {
        // Leave the caller's thread at once so the shared download never runs under the dictionary's factory.
        await Task.Yield();
        var path = PathOf(address);
        if (File.Exists(path))
        {
            if (await HashingCopy.HashFileAsync(path, ct) == address)
            {
                _verified[address] = true;
                return path;
            }
            StorageLog.CacheCorrupted(_logger, address);
            File.Delete(path);
        }

        // A unique name keeps two processes sharing the folder from writing into one file; the rename is atomic.
        var temp = Path.Combine(RootPath, IncomingFolderName, $"{address.Hex}.{Guid.NewGuid():N}");
        try
        {
            await _client.DownloadAsync(address, temp, ct);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
            File.Delete(temp + ".partial");
        }
        _verified[address] = true;
        StorageLog.CacheDownloaded(_logger, address, new FileInfo(path).Length);
        return path;
    }
}
