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

        Directory.CreateDirectory(IncomingPath);
        var temp = Path.Combine(IncomingPath, $"{Guid.NewGuid():N}.upload");
        var moved = false;
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
                // A blob must survive a power cut once its address is visible, so flush before the rename.
                file.Flush(flushToDisk: true);
            }

            var actual = BlobAddress.FromHash(hash.GetHashAndReset());
            if (expected is { } claimed && claimed != actual)
            {
                StorageLog.HashMismatch(_logger, claimed, actual);
                throw new BlobIntegrityException(claimed, actual,
                    $"Content hashes to {actual}, not to the address {claimed} it was sent for; nothing was stored.");
            }

            var final = PathOf(actual);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            try
            {
                File.Move(temp, final, overwrite: false);
                moved = true;
            }
            catch (IOException) when (File.Exists(final))
            {
                // Another writer stored the same content first; its bytes are identical by construction.
                StorageLog.BlobAlreadyPresent(_logger, actual);
                return new BlobPutResult(actual, size, Created: false);
            }

            StorageLog.BlobStored(_logger, actual, size);
            return new BlobPutResult(actual, size, Created: true);
        }
        finally
        {
            if (!moved)
                DeleteTemp(temp);
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
