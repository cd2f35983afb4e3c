namespace Hearth.Heat;

/// <summary>
/// A clock that moves only when told to, so a simulated day runs in milliseconds and the same inputs
/// always give the same day. It drives reads of time; it fires no timers.
/// </summary>
public sealed class SimulationClock : TimeProvider
{
    private DateTimeOffset _now;

    public SimulationClock(DateTimeOffset start) => _now = start.ToUniversalTime();

    public override DateTimeOffset GetUtcNow() => _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now.UtcTicks;

    /// <summary>Moves the clock forward by <paramref name="delta"/> (≥ 0).</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        _now += delta;
    }
}
