namespace Hearth.Heat;

/// <summary>
/// A worker as a placement policy sees it. The caller reflects the placements it has made since the
/// telemetry was read (free slots, load and the telemetry's power), so several tasks placed in one round
/// do not all count on the same heat demand.
/// </summary>
/// <param name="Id">The worker's id.</param>
/// <param name="FreeSlots">Tasks it can still start now.</param>
/// <param name="Load">Current utilisation (0 to 1).</param>
/// <param name="Telemetry">Its boiler's latest reading; null for a worker without a tank (a plain server).</param>
public sealed record WorkerCandidate(string Id, int FreeSlots, double Load, BoilerTelemetry? Telemetry);
