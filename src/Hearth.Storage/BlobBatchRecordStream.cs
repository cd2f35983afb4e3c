namespace Hearth.Storage;

/// <summary>
/// One blob of a batch body: a read-only window of its declared length over the body, which is positioned at the
/// blob's first byte. A body that ends before the declared length is a malformed batch, not a short blob.
/// </summary>
internal sealed class BlobBatchRecordStream(Stream body, long length, int index) : Stream
{
    private readonly long _length = length;

    public long Remaining { get; private set; } = length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _length - Remaining;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Remaining == 0 || buffer.IsEmpty)
            return 0;
        return Advance(body.Read(buffer[..(int)Math.Min(buffer.Length, Remaining)]));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (Remaining == 0 || buffer.IsEmpty)
            return 0;
        return Advance(await body.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Remaining)], ct));
    }

    private int Advance(int read)
    {
        if (read == 0)
            throw new InvalidBlobBatchException(InvalidBlobBatchReason.Truncated,
                $"The blob at index {index} declares {_length} bytes but the body ends after {_length - Remaining} of them.");
        Remaining -= read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
