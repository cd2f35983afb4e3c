namespace Hearth.Sandbox;

/// <summary>
/// Keeps the first bytes a module writes to one console stream and counts the rest,
/// reporting each write's length to <paramref name="onWritten"/> (the output limit).
/// </summary>
internal sealed class ConsoleCapture(int captureBytes, Action<long> onWritten)
{
    private readonly Lock _lock = new();
    private readonly MemoryStream _kept = new();
    private long _total;

    /// <summary>A write as the module made it; Wasmtime calls this on a thread of its own.</summary>
    public void Write(ReadOnlySpan<byte> data) => Append(data, data.Length);

    /// <summary>A write of <paramref name="written"/> bytes of which a sandbox host forwarded the first ones.</summary>
    public void Append(ReadOnlySpan<byte> forwarded, long written)
    {
        lock (_lock)
        {
            var room = (int)Math.Min(forwarded.Length, captureBytes - _kept.Length);
            if (room > 0)
            {
                _kept.Write(forwarded[..room]);
            }
            _total += written;
        }
        onWritten(written);
    }

    public (byte[] Bytes, bool Truncated) Result()
    {
        lock (_lock)
        {
            return (_kept.ToArray(), _total > _kept.Length);
        }
    }
}
