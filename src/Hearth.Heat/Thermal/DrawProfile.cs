namespace Hearth.Heat;

/// <summary>
/// Hot water drawn from the tank, in litres per hour for each hour of the day (0 to 23), taken at the
/// tank's temperature and replaced by cold inlet water. The hour is read on the clock of the timestamp's
/// own offset, so a profile follows the building's local day.
/// </summary>
public sealed record DrawProfile
{
    public const int HoursPerDay = 24;
    private const double SecondsPerHour = 3600;

    public DrawProfile(IReadOnlyList<double> litresPerHour)
    {
        ArgumentNullException.ThrowIfNull(litresPerHour);
        LitresPerHour = litresPerHour.ToArray();
    }

    /// <summary>No hot water drawn at all.</summary>
    public static DrawProfile None { get; } = new(new double[HoursPerDay]);

    /// <summary>Litres drawn during each hour of the day.</summary>
    public IReadOnlyList<double> LitresPerHour { get; }

    /// <summary>Litres drawn over a whole day.</summary>
    public double DailyLitres => LitresPerHour.Sum();

    /// <summary>Scales every hour by <paramref name="factor"/> (a season's or a building's usage).</summary>
    public DrawProfile Scaled(double factor) => new(LitresPerHour.Select(l => l * factor).ToArray());

    /// <summary>
    /// Litres drawn between <paramref name="start"/> and <paramref name="seconds"/> later: the hourly rates
    /// integrated exactly, so any step length gives the same daily total.
    /// </summary>
    public double LitresBetween(DateTimeOffset start, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "The interval must be a finite number of seconds ≥ 0.");
        }

        double litres = 0;
        double clock = start.TimeOfDay.TotalSeconds;
        double remaining = seconds;
        while (remaining > 0)
        {
            double hour = Math.Floor(clock / SecondsPerHour);
            double chunk = Math.Min(remaining, (hour + 1) * SecondsPerHour - clock);
            litres += LitresPerHour[(int)hour % HoursPerDay] * chunk / SecondsPerHour;
            remaining -= chunk;
            clock += chunk;
            if (clock >= HoursPerDay * SecondsPerHour)
            {
                clock -= HoursPerDay * SecondsPerHour;
            }
        }

        return litres;
    }

    public bool Equals(DrawProfile? other) =>
        other is not null && LitresPerHour.SequenceEqual(other.LitresPerHour);

    public override int GetHashCode() => LitresPerHour.Aggregate(0, (hash, l) => HashCode.Combine(hash, l));
}
