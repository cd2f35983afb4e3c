using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Hearth.Sandbox;

/// <summary>
/// Writes /out as a plain POSIX ustar archive whose bytes depend only on the paths
/// and contents: entries in ordinal path order, mtime 0, uid/gid 0, no owner
/// names, mode 0644 for files and links and 0755 for folders. Paths longer than
/// ustar allows get a pax header holding only the path. The digests of replicas
/// are compared byte for byte, so nothing of the host may leak in.
/// </summary>
internal static class DeterministicTar
{
    private const int Block = 512;

    // The end-of-archive marker (two blocks), and padding.
    private static readonly byte[] Zeros = new byte[2 * Block];

    /// <summary>The archive of the entries in memory and its lowercase hex sha256 (small archives and tests; runs stream to a file).</summary>
    public static (byte[] Archive, string Sha256) Write(IReadOnlyList<OutputEntry> entries, CancellationToken cancellationToken)
    {
        using var archive = new MemoryStream();
        var (_, sha256) = Write(entries, archive, cancellationToken);
        return (archive.ToArray(), sha256);
    }

    /// <summary>
    /// Writes the archive to <paramref name="destination"/> as it is built, hashing the bytes on their way: memory stays
    /// at one copy buffer and a header, whatever the archive's size. Returns its length and lowercase hex sha256.
    /// Reads the files synchronously: they are local, and small runs must stay cheap.
    /// </summary>
    public static (long Length, string Sha256) Write(IReadOnlyList<OutputEntry> entries, Stream destination, CancellationToken cancellationToken)
    {
        using var hashing = new HashingStream(destination);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            foreach (var entry in entries)
            {
                WriteEntry(hashing, entry, buffer, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        hashing.Write(Zeros);
        return (hashing.Length, Convert.ToHexStringLower(hashing.Finish()));
    }

    /// <summary>
    /// Writes the archive to a new file at <paramref name="path"/> (flushed before returning); a partial file is removed
    /// when writing fails.
    /// </summary>
    public static (long Length, string Sha256) WriteFile(IReadOnlyList<OutputEntry> entries, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            var written = Write(entries, file, cancellationToken);
            file.Flush();
            return written;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    private static void WriteEntry(Stream archive, OutputEntry entry, byte[] buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = entry.RelativePath;
        var linkTarget = entry.LinkTarget ?? "";
        var (type, mode) = entry.Kind switch
        {
            OutputEntryKind.Directory => ((byte)'5', 0x1ED),
            OutputEntryKind.SymbolicLink => ((byte)'2', 0x1A4),
            _ => ((byte)'0', 0x1A4),
        };
        var pax = new StringBuilder();
        var (name, prefix) = Split(path);
        if (name is null)
        {
            AppendPaxRecord(pax, "path", path);
            (name, prefix) = (Truncate(path, 100), "");
        }
        if (Encoding.UTF8.GetByteCount(linkTarget) > 100)
        {
            AppendPaxRecord(pax, "linkpath", linkTarget);
            linkTarget = Truncate(linkTarget, 100);
        }
        if (pax.Length > 0)
        {
            var records = Encoding.UTF8.GetBytes(pax.ToString());
            archive.Write(Header("PaxHeader/" + Truncate(name, 90), "", (byte)'x', 0x1A4, records.Length, ""));
            archive.Write(records);
            Pad(archive, records.Length);
        }
        var length = entry.Kind == OutputEntryKind.File ? entry.Length : 0;
        archive.Write(Header(name, prefix, type, mode, length, linkTarget));
        if (entry.Kind == OutputEntryKind.File)
        {
            using var file = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            // Copy exactly the length that was scanned and checked against the limit.
            var copied = CopyExactly(file, archive, buffer, length, cancellationToken);
            if (copied != length)
            {
                throw new IOException($"/out/{path} changed size while being archived");
            }
            Pad(archive, length);
        }
    }

    private static long CopyExactly(Stream source, Stream destination, byte[] buffer, long length, CancellationToken cancellationToken)
    {
        long copied = 0;
        while (copied < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, length - copied));
            if (read == 0)
            {
                break;
            }
            destination.Write(buffer, 0, read);
            copied += read;
        }
        return copied;
    }

    /// <summary>Splits a path into ustar name (≤100 bytes) and prefix (≤155 bytes); name null when it does not fit.</summary>
    private static (string? Name, string Prefix) Split(string path)
    {
        if (Encoding.UTF8.GetByteCount(path) <= 100)
        {
            return (path, "");
        }
        // A folder entry ends in '/', which must stay with the name part.
        for (var slash = path.IndexOf('/'); slash >= 0 && slash < path.Length - 1; slash = path.IndexOf('/', slash + 1))
        {
            var prefix = path[..slash];
            var name = path[(slash + 1)..];
            if (Encoding.UTF8.GetByteCount(prefix) <= 155 && Encoding.UTF8.GetByteCount(name) <= 100)
            {
                return (name, prefix);
            }
        }
        return (null, "");
    }

    private static void AppendPaxRecord(StringBuilder pax, string key, string value)
    {
        // A record is "<length> <key>=<value>\n" where <length> counts itself.
        var body = $" {key}={value}\n";
        var bodyLength = Encoding.UTF8.GetByteCount(body);
        var length = bodyLength + 1;
        while (length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + bodyLength != length)
        {
            length++;
        }
        pax.Append(length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(body);
    }

    private static string Truncate(string text, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= maxBytes)
        {
            return text;
        }
        // Cut on a character boundary so the header field stays valid UTF-8.
        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }
        return Encoding.UTF8.GetString(bytes, 0, cut);
    }

    private static byte[] Header(string name, string prefix, byte type, int mode, long size, string linkName)
    {
        var header = new byte[Block];
        Encoding.UTF8.GetBytes(name, header.AsSpan(0, 100));
        Octal(header.AsSpan(100, 8), mode);
        Octal(header.AsSpan(108, 8), 0);
        Octal(header.AsSpan(116, 8), 0);
        Octal(header.AsSpan(124, 12), size);
        Octal(header.AsSpan(136, 12), 0);
        header[156] = type;
        Encoding.UTF8.GetBytes(linkName, header.AsSpan(157, 100));
        "ustar\0"u8.CopyTo(header.AsSpan(257));
        "00"u8.CopyTo(header.AsSpan(263));
        // uname, gname, devmajor and devminor stay empty.
        Encoding.UTF8.GetBytes(prefix, header.AsSpan(345, 155));
        "        "u8.CopyTo(header.AsSpan(148, 8));
        var checksum = 0;
        foreach (var b in header)
        {
            checksum += b;
        }
        Octal(header.AsSpan(148, 7), checksum);
        header[155] = (byte)' ';
        return header;
    }

    /// <summary>Zero-padded octal digits filling the field but its last byte, then NUL.</summary>
    private static void Octal(Span<byte> field, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        if (digits.Length > field.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "does not fit the tar header field");
        }
        Encoding.ASCII.GetBytes(digits, field);
        field[^1] = 0;
    }

    private static void Pad(Stream stream, long length)
    {
        var remainder = (int)(length % Block);
        if (remainder != 0)
        {
            stream.Write(Zeros, 0, Block - remainder);
        }
    }

    /// <summary>A write-only pass-through that hashes (sha256) and counts what goes to the stream under it, which it does not own.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Position;

        public override long Position { get; set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
            Position += buffer.Length;
        }

        public byte[] Finish() => _hash.GetHashAndReset();

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
