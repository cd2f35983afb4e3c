using System.IO.Compression;
using Hearth.Sandbox;

namespace Hearth.Worker.Execution;

/// <summary>What a dataset's bytes are, told by their content (never by their name).</summary>
public enum DatasetFormat
{
    /// <summary>Any other content: shown as one file.</summary>
    File,

    /// <summary>A tar archive: unpacked under /in.</summary>
    Tar,

    /// <summary>A gzip-compressed tar archive: unpacked under /in.</summary>
    GzipTar,
}

/// <summary>
/// Lays a verified dataset out in the run's input folder (shown read-only as /in). A dataset that is a tar, plain or
/// gzip-compressed (told by its first 512 bytes, decompressed if need be: a valid tar header), is unpacked there by
/// <see cref="ResultArchive"/>: no absolute path, no <c>..</c>, nothing written through or as a link, within
/// <see cref="WorkerOptions.MaxDatasetUnpackedBytes"/> and <see cref="WorkerOptions.MaxDatasetEntries"/>. Links are
/// refused altogether (a dataset's tree holds files and folders). Any other dataset is one file, named by its location's
/// <c>name</c> parameter, else <c>dataset</c>. The sha256 was checked on the downloaded bytes before.
/// </summary>
public static class DatasetInput
{
    public const string DefaultFileName = "dataset";
    private const int BlockSize = 512;

    /// <summary>
    /// Fills <paramref name="input"/> (created, or emptied first) from the verified dataset at <paramref name="cached"/>.
    /// A refused archive throws <see cref="ReplicateFailedException"/> of kind <see cref="FailureKinds.InvalidDataset"/>
    /// and leaves nothing in the folder.
    /// </summary>
    public static async Task<DatasetFormat> StageAsync(string cached, string? fileName, string input, string checksum,
        long maxUnpackedBytes, int maxEntries, CancellationToken ct)
    {
        if (Directory.Exists(input)) Directory.Delete(input, recursive: true); // left by a run before a restart
        var format = await DetectAsync(cached, ct);
        if (format == DatasetFormat.File)
        {
            Directory.CreateDirectory(input);
            File.Copy(cached, Path.Combine(input, fileName ?? DefaultFileName), overwrite: true);
            return format;
        }

        var what = format == DatasetFormat.Tar ? "a tar archive" : "a gzip-compressed tar archive";
        try
        {
            await using var file = OpenRead(cached);
            await using Stream tar = format == DatasetFormat.Tar ? file : new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            // Headers, padding and metadata entries are bounded too, not only the files: a gzip bomb stops here at the latest.
            var streamCap = maxUnpackedBytes + (long)maxEntries * 4 * BlockSize + (1 << 20);
            await using var bounded = new CappedReadStream(tar, streamCap);
            var extracted = await ResultArchive.ExtractAsync(bounded, input, new ResultArchiveLimits { MaxBytes = maxUnpackedBytes, MaxEntries = maxEntries }, ct);
            if (extracted.LinksNotExtracted.Count > 0)
            {
                Directory.Delete(input, recursive: true);
                throw new ReplicateFailedException(FailureKinds.InvalidDataset,
                    $"dataset {checksum} is {what} that holds links, and a dataset's tree may hold only files and folders: {extracted.LinksSummary}");
            }
            return format;
        }
        catch (ResultArchiveException e)
        {
            // The extractor removed what it had written.
            throw new ReplicateFailedException(FailureKinds.InvalidDataset, $"dataset {checksum} is {what} that is refused: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // System.Formats.Tar's word for some malformed metadata entries; the extractor removed what it had written.
            throw new ReplicateFailedException(FailureKinds.InvalidDataset, $"dataset {checksum} is {what} that is refused: the archive is malformed: {e.Message}", e);
        }
    }

    /// <summary>A tar when the first block is a tar header; a gzip-compressed tar when the first decompressed block is.</summary>
    public static async Task<DatasetFormat> DetectAsync(string path, CancellationToken ct)
    {
        var head = new byte[BlockSize];
        await using var file = OpenRead(path);
        var read = await file.ReadAtLeastAsync(head, BlockSize, throwOnEndOfStream: false, ct);
        if (read == BlockSize && IsTarHeader(head)) return DatasetFormat.Tar;
        if (read < 2 || head[0] != 0x1f || head[1] != 0x8b) return DatasetFormat.File;
        file.Position = 0;
        try
        {
            await using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            read = await gzip.ReadAtLeastAsync(head, BlockSize, throwOnEndOfStream: false, ct);
            return read == BlockSize && IsTarHeader(head) ? DatasetFormat.GzipTar : DatasetFormat.File;
        }
        catch (InvalidDataException)
        {
            // Not gzip after all (or a damaged one whose start is not a tar): a file, for the app to read as it is.
            return DatasetFormat.File;
        }
    }

    /// <summary>A tar header: a non-empty name and a checksum field (octal, at 148) that matches the block's bytes.</summary>
    public static bool IsTarHeader(ReadOnlySpan<byte> block)
    {
        if (block.Length < BlockSize || block[0] == 0) return false;
        var field = block.Slice(148, 8);
        var i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0) i++;
        long stored = 0;
        var digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++) stored = stored * 8 + (field[i] - '0');
        if (digits == 0) return false;
        for (; i < field.Length; i++)
            if (field[i] is not ((byte)' ' or 0)) return false;
        long unsigned = 0, signed = 0;
        for (var k = 0; k < BlockSize; k++)
        {
            var b = k is >= 148 and < 156 ? (byte)' ' : block[k];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Reads through to another stream and refuses to give more than <c>cap</c> bytes.</summary>
    private sealed class CappedReadStream(Stream inner, long cap) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int n)
        {
            _read += n;
            if (_read > cap)
                throw new ResultArchiveException($"the archive unpacks to more than {cap} bytes of tar (the size limit with room for headers)");
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
