using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hearth.Storage;

/// <summary>
/// Blobs as files under <c>&lt;root&gt;/&lt;aa&gt;/&lt;sha256&gt;</c>. Uploads land in <c>&lt;root&gt;/.incoming</c>
/// (same file system, so the final rename is atomic) and appear under their address only once complete and verified.
/// </summary>
public sealed class FileBlobStore : IBlobStore
{
    /// <summary>Folder under the root where unfinished uploads live; its leading dot keeps it apart from the hex shards.</summary>
    public const string IncomingFolderName = ".incoming";

    /// <summary>Most flushes to disk that one batch runs at once.</summary>
    private const int ConcurrentFlushes = 8;

    private readonly Lock _publishing = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _staleUploadAge;

    public FileBlobStore(IOptions<StorageOptions> options, ILogger<FileBlobStore> logger, TimeProvider time)
        : this(options.Value, logger, time)
    {
    }

    public FileBlobStore(StorageOptions options, ILogger<FileBlobStore>? logger = null, TimeProvider? time = null)
    {
        StorageOptionsValidator.ThrowIfInvalid(options);
        RootPath = Path.GetFullPath(options.RootPath);
        MaxBlobBytes = options.MaxBlobBytes;
        _staleUploadAge = options.StaleUploadAge;
        _logger = logger ?? NullLogger<FileBlobStore>.Instance;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(IncomingPath);
    }

    public string RootPath { get; }

    public long MaxBlobBytes { get; }

    public string IncomingPath => Path.Combine(RootPath, IncomingFolderName);

    /// <summary>Where the blob lives; safe because an address holds only lowercase hex.</summary>
    public string PathOf(BlobAddress address) => Path.Combine(RootPath, address.Shard, address.Hex);

    public async Task<BlobPutResult> PutAsync(Stream content, BlobAddress? expected = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (expected is { } known && await GetSizeAsync(known, ct) is { } existingSize)
        {
            StorageLog.BlobAlreadyPresent(_logger, known);
            return new BlobPutResult(known, existingSize, Created: false);
        }

        // A blob must survive a power cut once its address is visible, so its bytes reach the disk before the rename.
        var blob = await StageAsync(content, flushToDisk: true, ct);
        try
        {
            if (expected is { } claimed && claimed != blob.Address)
            {
                StorageLog.HashMismatch(_logger, claimed, blob.Address);
                throw new BlobIntegrityException(claimed, blob.Address,
                    $"Content hashes to {blob.Address}, not to the address {claimed} it was sent for; nothing was stored.");
            }

            var created = Publish(blob);
            if (created)
                StorageLog.BlobStored(_logger, blob.Address, blob.Size);
            return new BlobPutResult(blob.Address, blob.Size, created);
        }
        finally
        {
            DeleteTempIfLeft(blob.TempPath);
        }
    }

    /// <summary>
    /// Stores every blob of <paramref name="contents"/>, reading each to its end before asking for the next; results
    /// come in the same order. When reading fails (the sequence throws, or a blob is over the limit) nothing is stored.
    /// </summary>
    /// <remarks>
    /// Same guarantee as <see cref="PutAsync"/> (a blob's bytes are on disk before its address is visible), more
    /// cheaply: every blob is written first, then the new ones are flushed to disk concurrently, then renamed. The file
    /// system's journal commits the concurrent flushes together, where one flush after another costs one commit each.
    /// Blobs already stored, or repeated in the batch, are neither flushed nor renamed.
    /// </remarks>
    public async Task<IReadOnlyList<BlobPutResult>> PutManyAsync(IAsyncEnumerable<Stream> contents, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var staged = new List<StagedBlob>();
        try
        {
            await foreach (var content in contents.WithCancellation(ct))
                staged.Add(await StageAsync(content, flushToDisk: false, ct));

            var results = new BlobPutResult[staged.Count];
            var toPublish = new List<int>();
            var seen = new HashSet<BlobAddress>();
            for (var i = 0; i < staged.Count; i++)
            {
                var blob = staged[i];
                if (seen.Add(blob.Address) && !File.Exists(PathOf(blob.Address)))
                    toPublish.Add(i);
                else
                    results[i] = new BlobPutResult(blob.Address, blob.Size, Created: false);
            }

            await FlushToDiskAsync([.. toPublish.Select(i => staged[i].TempPath)], ct);
            foreach (var i in toPublish)
                results[i] = new BlobPutResult(staged[i].Address, staged[i].Size, Publish(staged[i]));

            StorageLog.BatchStored(_logger, results.Length, results.Count(r => r.Created), results.Sum(r => r.Size));
            return results;
        }
        finally
        {
            foreach (var blob in staged)
                DeleteTempIfLeft(blob.TempPath);
        }
    }

    public Task<Stream?> OpenReadAsync(BlobAddress address, BlobRange? range = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        FileStream file;
        try
        {
            file = HashingCopy.OpenSequentialRead(PathOf(address));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }

        if (range is not { } r)
            return Task.FromResult<Stream?>(file);
        try
        {
            var count = r.CountIn(file.Length);
            file.Seek(r.Offset, SeekOrigin.Begin);
            return Task.FromResult<Stream?>(new RangeReadStream(file, count));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public Task<bool> ExistsAsync(BlobAddress address, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(PathOf(address)));
    }

    public Task<long?> GetSizeAsync(BlobAddress address, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var info = new FileInfo(PathOf(address));
        return Task.FromResult(info.Exists ? info.Length : (long?)null);
    }

    public Task<bool> DeleteAsync(BlobAddress address, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var path = PathOf(address);
        if (!File.Exists(path))
            return Task.FromResult(false);
        File.Delete(path);
        StorageLog.BlobDeleted(_logger, address);
        return Task.FromResult(true);
    }

    /// <summary>
    /// Removes uploads abandoned by a crashed writer: temporary files older than <see cref="StorageOptions.StaleUploadAge"/>.
    /// Younger ones may belong to a live upload from another process sharing the folder, so they stay.
    /// </summary>
    public int RemoveStaleUploads()
    {
        if (!Directory.Exists(IncomingPath))
            return 0;
        var cutoff = _time.GetUtcNow() - _staleUploadAge;
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(IncomingPath))
        {
            if (File.GetLastWriteTimeUtc(path) >= cutoff.UtcDateTime)
                continue;
            if (DeleteTemp(path))
            {
                StorageLog.StaleUploadRemoved(_logger, path);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>An upload written to <see cref="IncomingPath"/> and hashed, not yet visible under its address.</summary>
    private sealed record StagedBlob(string TempPath, BlobAddress Address, long Size);

    private async Task<StagedBlob> StageAsync(Stream content, bool flushToDisk, CancellationToken ct)
    {
        Directory.CreateDirectory(IncomingPath);
        var temp = Path.Combine(IncomingPath, $"{Guid.NewGuid():N}.upload");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                try
                {
                    size = await HashingCopy.CopyAsync(content, file, hash, MaxBlobBytes, ct);
                }
                catch (BlobTooLargeException)
                {
                    StorageLog.TooLarge(_logger, MaxBlobBytes);
                    throw;
                }
                if (flushToDisk)
                    file.Flush(flushToDisk: true);
            }
            return new StagedBlob(temp, BlobAddress.FromHash(hash.GetHashAndReset()), size);
        }
        catch
        {
            DeleteTemp(temp);
            throw;
        }
    }

    /// <summary>
    /// Flushes the files to disk, several at once on threads of their own: a flush blocks its thread until the disk
    /// answers, which would starve the thread pool that serves requests.
    /// </summary>
    private static async Task FlushToDiskAsync(IReadOnlyList<string> paths, CancellationToken ct)
    {
        var next = -1;
        void FlushUntilNoneLeft()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < paths.Count)
            {
                ct.ThrowIfCancellationRequested();
                using var handle = File.OpenHandle(paths[i], FileMode.Open, FileAccess.Write);
                RandomAccess.FlushToDisk(handle);
            }
        }

        var flushers = Enumerable.Range(0, Math.Min(ConcurrentFlushes, paths.Count))
            .Select(_ => Task.Factory.StartNew(FlushUntilNoneLeft, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        await Task.WhenAll(flushers);
    }

    /// <summary>Moves a staged blob under its address; false when that address was already taken (same bytes by construction).</summary>
    private bool Publish(StagedBlob blob)
    {
        var final = PathOf(blob.Address);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        // File.Move without overwrite checks the target then renames: two writers of one content in this process could
        // both see it absent. The lock makes "created" true for exactly one of them (a rename takes microseconds).
        lock (_publishing)
        {
            try
            {
                if (!File.Exists(final))
                {
                    File.Move(blob.TempPath, final, overwrite: false);
                    return true;
                }
            }
            catch (IOException) when (File.Exists(final))
            {
                // Another process stored the same content first.
            }
        }
        StorageLog.BlobAlreadyPresent(_logger, blob.Address);
        return false;
    }

    /// <summary>Removes a staged file unless it was published (moved away).</summary>
    private void DeleteTempIfLeft(string path)
    {
        if (File.Exists(path))
            DeleteTemp(path);
    }

    private bool DeleteTemp(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Runs in cleanup paths: failing here would hide the error that caused the cleanup; the start-up sweep retries it.
            StorageLog.TempFileNotRemoved(_logger, path, e);
            return false;
        }
    }
}
