namespace Hearth.Market.Book;

/// <summary>A bytes32 tag as four 64-bit words, so "has every bit of" and "has no bit outside" are bitwise ANDs in SQL.</summary>
internal readonly record struct TagWords(long W0, long W1, long W2, long W3)
{
    public static TagWords Of(ReadOnlySpan<byte> tag) => new(
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(tag[..8]),
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(tag[8..16]),
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(tag[16..24]),
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(tag[24..32]));
}
