using System.Buffers.Binary;

namespace Hearth.Sandbox.Execution.Protocol;

/// <summary>
/// One message on a host's stdin or stdout: a 4-byte little-endian length, then that
/// many bytes, the first being the <see cref="HostMessageType"/>. Nothing else may
/// appear on these streams.
/// </summary>
internal sealed record HostFrame(HostMessageType Type, ArraySegment<byte> Body)
{
    /// <summary>Larger than any module a worker accepts; a bigger length means the stream is not this protocol.</summary>
    private const int MaxLength = 1 << 30;

    public BinaryReader Reader() => new(new MemoryStream(Body.Array!, Body.Offset, Body.Count, writable: false));

    /// <summary>The bytes to write for a message whose body <paramref name="writeBody"/> writes.</summary>
    public static byte[] Encode(HostMessageType type, Action<BinaryWriter>? writeBody = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(0);
            writer.Write((byte)type);
            writeBody?.Invoke(writer);
        }
        var frame = buffer.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - sizeof(int));
        return frame;
    }

    /// <summary>The next frame, or null when the stream ends cleanly between frames.</summary>
    /// <exception cref="InvalidDataException">The stream ends inside a frame or holds no frame.</exception>
    public static HostFrame? Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        var read = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            return null;
        }
        var content = new byte[CheckedLength(read, prefix)];
        if (stream.ReadAtLeast(content, content.Length, throwOnEndOfStream: false) != content.Length)
        {
            throw new InvalidDataException("the stream ended inside a message");
        }
        return FromContent(content);
    }

    /// <inheritdoc cref="Read"/>
    public static async Task<HostFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[sizeof(int)];
        var read = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }
        var content = new byte[CheckedLength(read, prefix)];
        if (await stream.ReadAtLeastAsync(content, content.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) != content.Length)
        {
            throw new InvalidDataException("the stream ended inside a message");
        }
        return FromContent(content);
    }

    private static int CheckedLength(int read, ReadOnlySpan<byte> prefix)
    {
        if (read != prefix.Length)
        {
            throw new InvalidDataException("the stream ended inside a message length");
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length is < 1 or > MaxLength)
        {
            throw new InvalidDataException($"a message length of {length} B is not of this protocol");
        }
        return length;
    }

    private static HostFrame FromContent(byte[] content)
    {
        var type = (HostMessageType)content[0];
        if (!Enum.IsDefined(type))
        {
            throw new InvalidDataException($"unknown message type {content[0]}");
        }
        return new HostFrame(type, new ArraySegment<byte>(content, 1, content.Length - 1));
    }
}
