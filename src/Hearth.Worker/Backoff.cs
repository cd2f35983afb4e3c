namespace Hearth.Worker;

/// <summary>Waits between retries: doubling from the first delay up to the longest, on the injected clock.</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly TimeProvider _time;

    public Backoff(TimeSpan initial, TimeSpan max, TimeProvider time)
    {
        _initial = initial;
        _max = max;
        _time = time;
        Next = initial;
    }

    /// <summary>The wait the next <see cref="WaitAsync"/> makes.</summary>
    public TimeSpan Next { get; private set; }

    public async Task WaitAsync(CancellationToken ct)
    {
        var delay = Next;
        Next = TimeSpan.FromTicks(Math.Min(_max.Ticks, Next.Ticks * 2));
        await Task.Delay(delay, _time, ct);
    }

    public void Reset() => Next = _initial;
}
