namespace Hearth.Storage;

/// <summary>A byte range of a blob: <see cref="Offset"/> from the start, <see cref="Length"/> bytes or to the end when null.</summary>
public readonly record struct BlobRange
{
    public BlobRange(long offset, long? length = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } l)
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(l, nameof(length));
        Offset = offset;
        Length = length;
    }

    public long Offset { get; }

    public long? Length { get; }

    /// <summary>The number of bytes this range covers in a blob of <paramref name="blobSize"/> bytes.</summary>
    public long CountIn(long blobSize)
    {
        if (Offset >= blobSize)
            throw new ArgumentOutOfRangeException(nameof(blobSize), $"Range starts at byte {Offset} but the blob has {blobSize} bytes.");
        var remaining = blobSize - Offset;
        return Length is { } l ? Math.Min(l, remaining) : remaining;
    }
}
