namespace Hearth.Sandbox;

/// <summary>
/// Keeps the first bytes a module writes to one console stream and counts the rest.
/// Wasmtime calls <see cref="Write"/> on a thread of its own.
/// </summary>
internal sealed class ConsoleCapture(int captureBytes, Action<long> onWritten)
{
    private readonly Lock _lock = new();
    private readonly MemoryStream _kept = new();
    private long _total;

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            var room = (int)Math.Min(data.Length, captureBytes - _kept.Length);
            if (room > 0)
            {
                _kept.Write(data[..room]);
            }
            _total += data.Length;
        }
        onWritten(data.Length);
    }

    public (byte[] Bytes, bool Truncated) Result()
    {
        lock (_lock)
        {
            return (_kept.ToArray(), _total > _kept.Length);
        }
    }
}
