namespace Hearth.Heat.Tests;

/// <summary>Readable builders for the tests' boilers, telemetry and tasks.</summary>
internal static class Build
{
    public static readonly DateTimeOffset Midnight = new(2025, 1, 15, 0, 0, 0, TimeSpan.Zero);

    public static BoilerParameters Boiler(BuildingKind kind, double dailyLitres, OverheatResponse overheat = OverheatResponse.Throttle) =>
        BoilerPresets.Stimergy(DrawProfiles.For(kind, dailyLitres)) with { Overheat = overheat };

    public static BoilerParameters DryBoiler(OverheatResponse overheat = OverheatResponse.Throttle) =>
        BoilerPresets.Stimergy(DrawProfile.None) with { Overheat = overheat };

    public static BoilerTelemetry Telemetry(
        double demandWatts = 0, double powerWatts = 1500, double maxAcceptedWatts = 20_000, double tankCelsius = 55, DateTimeOffset? at = null) =>
        new(at ?? Midnight, tankCelsius, demandWatts, 0, powerWatts, maxAcceptedWatts, 60);

    public static WorkerCandidate Worker(string id, BoilerTelemetry? telemetry, int freeSlots = 6, double load = 0) =>
        new(id, freeSlots, load, telemetry);

    /// <summary>A 10-minute, 1 kW task whose deadline is <paramref name="slackSeconds"/> after its latest start.</summary>
    public static PlacementTask Task(double slackSeconds = 3600, double powerWatts = 1000, double durationSeconds = 600) =>
        new("t1", durationSeconds, Midnight.AddSeconds(durationSeconds + slackSeconds), powerWatts);
}
