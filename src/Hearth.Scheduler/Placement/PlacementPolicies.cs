using System.Text.Json;
using Hearth.Heat;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Persistence;

namespace Hearth.Scheduler.Placement;

/// <summary>Builds the configured <see cref="IPlacementPolicy"/> of Hearth.Heat and shows it this pool's workers.</summary>
public static class PlacementPolicies
{
    public static IPlacementPolicy Create(string name) => name switch
    {
        LeastLoadedPlacement.PolicyName => new LeastLoadedPlacement(),
        HeatAwarePlacement.PolicyName => new HeatAwarePlacement(),
        _ => throw new ArgumentException($"unknown placement policy '{name}'", nameof(name)),
    };

    /// <summary>A worker as a policy sees it. Free slots count the replicates it holds rather than its last heartbeat's
    /// figure, so a round that places several tasks does not overfill it; <paramref name="aheadPerSlot"/> more per slot
    /// may wait for it to ask. A worker on probation (a replicate's lease ran out on it, <see cref="WorkerEntity.ProbationUntilMs"/>
    /// after <paramref name="nowMs"/>) holds one replicate at a time.</summary>
    public static WorkerCandidate ToCandidate(WorkerEntity worker, int activeReplicates, int aheadPerSlot = 0, long nowMs = 0)
    {
        var free = Math.Max(0, Capacity(worker, aheadPerSlot, nowMs) - activeReplicates);
        var load = worker.Slots <= 0 ? 1.0 : Math.Clamp((double)activeReplicates / worker.Slots, 0, 1);
        return new WorkerCandidate(worker.Address, free, load, ToBoiler(ReadTelemetry(worker)));
    }

    /// <summary>How many active replicates the worker may hold: its slots and those placed ahead, or one on probation.</summary>
    public static int Capacity(WorkerEntity worker, int aheadPerSlot, long nowMs) =>
        worker.ProbationUntilMs > nowMs ? Math.Min(1, worker.Slots) : worker.Slots * (1 + aheadPerSlot);

    public static WorkerTelemetry? ReadTelemetry(WorkerEntity worker)
    {
        if (worker.TelemetryJson is null) return null;
        try
        {
            return JsonSerializer.Deserialize<WorkerTelemetry>(worker.TelemetryJson, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            // Stored by us from a validated request; unreadable only after a format change: treat as no telemetry.
            return null;
        }
    }

    /// <summary>Heat fields only make a boiler reading when all are present; a plain server sends none.</summary>
    public static BoilerTelemetry? ToBoiler(WorkerTelemetry? t) =>
        t is { TankCelsius: { } tank, HeatDemandWatts: { } demand, MaxAcceptedPowerWatts: { } max, MaximumCelsius: { } maxC }
            ? new BoilerTelemetry(t.Timestamp, tank, demand, t.Utilisation ?? 0, t.PowerWatts ?? 0, max, maxC)
            : null;
}
