using System.Collections.Concurrent;
using Hearth.Protocol.WorkerApi;
using Hearth.Storage;
using Hearth.Storage.Client;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Fetches app modules and datasets into the worker's cache, each checked against the sha256 the assignment gives.
/// One <see cref="BlobCache"/> per storage service, all sharing the cache folder (content-addressed, so they agree).
/// </summary>
public sealed class AssetFetcher : IDisposable
{
    private readonly string _cacheFolder;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<Uri, Lazy<(HttpClient Http, StorageClient Client, BlobCache Cache)>> _stores = new();

    public AssetFetcher(string cacheFolder, ILoggerFactory loggers)
    {
        _cacheFolder = cacheFolder;
        _loggers = loggers;
    }

    /// <summary>
    /// The local path of the asset's bytes. Throws <see cref="ReplicateFailedException"/> of kind
    /// <see cref="FailureKinds.Integrity"/> when they do not match its checksum, and lets storage failures through.
    /// </summary>
    public async Task<string> FetchAsync(AssetRef asset, AssetLocation location, string what, CancellationToken ct)
    {
        var expected = AssignmentCheck.BlobAddressOf(asset.Checksum);
        var cache = StoreFor(location.StorageUrl).Cache;
        string path;
        try
        {
            path = await cache.GetOrDownloadAsync(location.Address, ct);
        }
        catch (BlobIntegrityException e)
        {
            throw new ReplicateFailedException(FailureKinds.Integrity,
                $"{what} bytes do not match sha256 {expected}: storage at {location.StorageUrl} sent bytes hashing to {e.Actual?.ToString() ?? "something else"}", e);
        }
        if (location.Address != expected)
        {
            // The location names other content: its bytes hash (verified) to that address, not to the registered one.
            throw new ReplicateFailedException(FailureKinds.Integrity,
                $"{what} bytes do not match sha256 {expected}: the bytes at {location.StorageUrl}blobs/{location.Address} hash to {location.Address}");
        }
        return path;
    }

    public StorageClient ClientFor(Uri storageUrl) => StoreFor(storageUrl).Client;

    public void Dispose()
    {
        foreach (var store in _stores.Values.Where(lazy => lazy.IsValueCreated).Select(lazy => lazy.Value))
        {
            store.Cache.Dispose();
            store.Http.Dispose();
        }
    }

    private (HttpClient Http, StorageClient Client, BlobCache Cache) StoreFor(Uri storageUrl) =>
        _stores.GetOrAdd(storageUrl, url => new Lazy<(HttpClient, StorageClient, BlobCache)>(() =>
        {
            var http = StorageClient.CreateHttpClient(url);
            // Large datasets take long; cancellation (shutdown, deadline) bounds a download instead.
            http.Timeout = Timeout.InfiniteTimeSpan;
            var client = new StorageClient(http, _loggers.CreateLogger<StorageClient>());
            return (http, client, new BlobCache(client, _cacheFolder, _loggers.CreateLogger<BlobCache>()));
        })).Value;
}
