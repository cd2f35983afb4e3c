namespace Hearth.Storage.Tests;

/// <summary>A body of <see cref="TotalBytes"/> zero bytes produced on demand, counting what was actually read.</summary>
public sealed class CountingStream(long totalBytes) : Stream
{
    private long _read;

    public long TotalBytes => totalBytes;

    public long BytesRead => Interlocked.Read(ref _read);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, totalBytes - BytesRead);
        Array.Clear(buffer, offset, n);
        Interlocked.Add(ref _read, n);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
