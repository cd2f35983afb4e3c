using Hearth.Protocol.WorkerApi;

namespace Hearth.Worker.Telemetry;

/// <summary>What the heartbeat says about the worker's building; null when the worker heats nothing.</summary>
public interface IWorkerTelemetry
{
    ValueTask<WorkerTelemetry?> ReadAsync(CancellationToken ct);
}

/// <summary>A worker without a boiler.</summary>
public sealed class NoWorkerTelemetry : IWorkerTelemetry
{
    public ValueTask<WorkerTelemetry?> ReadAsync(CancellationToken ct) => ValueTask.FromResult<WorkerTelemetry?>(null);
}
