namespace Hearth.Market.Tests;

/// <summary>A clock the test sets by hand. Timers are not driven by it: the tests call the sync themselves.</summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
