using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Api;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Sends a replicate's progress to the scheduler, best effort: progress is for people watching a task, and a lost one
/// is told by the next. Contributions and failures go through the <see cref="WorkExchange"/>.
/// </summary>
public sealed class ReportDelivery(SchedulerApiClient scheduler, ILogger<ReportDelivery> logger)
{
    public async Task ProgressAsync(string replicateId, string stage, string? detail, CancellationToken ct)
    {
        try
        {
            await scheduler.ReportProgressAsync(replicateId, new ProgressReport(stage, detail), ct);
        }
        catch (SchedulerException e)
        {
            WorkerLog.ProgressNotDelivered(logger, replicateId, stage, e.Message);
        }
    }
}
