using System.Buffers.Binary;

namespace Hearth.Storage.Tests;

/// <summary>Batch upload bodies written by hand, so tests can also write broken ones.</summary>
public static class BatchBody
{
    /// <summary>A well-formed body holding <paramref name="blobs"/>.</summary>
    public static byte[] Of(params byte[][] blobs) => [.. blobs.SelectMany(b => Prefix((ulong)b.Length).Concat(b))];

    /// <summary>The 8-byte big-endian length prefix of a record.</summary>
    public static byte[] Prefix(ulong length)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(prefix, length);
        return prefix;
    }

    public static ByteArrayContent Content(byte[] body, string? mediaType = "application/octet-stream")
    {
        var content = new ByteArrayContent(body);
        if (mediaType is not null)
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return content;
    }
}
