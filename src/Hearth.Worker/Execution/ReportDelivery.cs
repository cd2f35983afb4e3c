using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Api;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Sends a replicate's reports to the scheduler. Contributions and failures are retried while the scheduler is
/// unreachable (up to the task's deadline, after which nobody wants them); progress is best effort.
/// </summary>
public sealed class ReportDelivery(SchedulerApiClient scheduler, WorkerOptions options, TimeProvider time, ILogger<ReportDelivery> logger)
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

    /// <summary>
    /// Whether the scheduler took the contribution (false when it refused it or the deadline passed), and the next
    /// assignment it handed back with its answer when <paramref name="takeNext"/> asked for one.
    /// </summary>
    public async Task<(bool Accepted, Assignment? Next)> ContributionAsync(string replicateId, ContributionReport report, bool takeNext, DateTimeOffset giveUpAt, CancellationToken ct)
    {
        Assignment? next = null;
        var accepted = await DeliverAsync(replicateId, "contribution",
            async token => next = await scheduler.ReportContributionAsync(replicateId, report, takeNext, token), giveUpAt, ct);
        return (accepted, next);
    }

    public Task<bool> FailureAsync(string replicateId, FailureReport report, DateTimeOffset giveUpAt, CancellationToken ct) =>
        DeliverAsync(replicateId, "failure report", token => scheduler.ReportFailureAsync(replicateId, report, token), giveUpAt, ct);

    private async Task<bool> DeliverAsync(string replicateId, string what, Func<CancellationToken, Task> send, DateTimeOffset giveUpAt, CancellationToken ct)
    {
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        while (true)
        {
            try
            {
                await send(ct);
                return true;
            }
            catch (SchedulerRequestException e) when (e.IsClientError)
            {
                // The scheduler no longer expects it (cancelled, reassigned, past its deadline): sending again will not help.
                WorkerLog.ReportRefused(logger, what, replicateId, e.Message);
                return false;
            }
            catch (SchedulerException e)
            {
                if (time.GetUtcNow() + backoff.Next >= giveUpAt)
                {
                    WorkerLog.ReportAbandoned(logger, what, replicateId, e.Message);
                    return false;
                }
                WorkerLog.ReportRetrying(logger, what, replicateId, backoff.Next, e.Message);
                await backoff.WaitAsync(ct);
            }
        }
    }
}
