namespace Hearth.Worker.Execution;

/// <summary>
/// Tells the scheduler which stage a replicate is in, but only once a stage has lasted
/// <see cref="WorkerOptions.ProgressReportDelay"/>: progress is for people watching a task, and a stage that ends sooner
/// would cost the scheduler a request nobody reads. The contribution or failure report says the rest.
/// </summary>
public sealed class StageReporter(ReportDelivery reports, string replicateId, TimeSpan delay, TimeProvider time) : IAsyncDisposable
{
    private CancellationTokenSource? _pending;
    private Task _sending = Task.CompletedTask;

    /// <summary>The replicate entered <paramref name="stage"/>: the previous stage's report is dropped if it was not sent yet.</summary>
    public async Task EnterAsync(string stage, CancellationToken ct)
    {
        await StopPendingAsync();
        if (delay <= TimeSpan.Zero)
        {
            await reports.ProgressAsync(replicateId, stage, null, ct);
            return;
        }
        _pending = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _sending = SendLaterAsync(stage, _pending.Token);
    }

    private async Task SendLaterAsync(string stage, CancellationToken ct)
    {
        // Most stages end first: no exception for that, it is the usual case.
        await Task.Delay(delay, time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ct.IsCancellationRequested) return;
        try
        {
            await reports.ProgressAsync(replicateId, stage, null, ct);
        }
        catch (OperationCanceledException)
        {
            // The stage ended while the report was on its way.
        }
    }

    private async Task StopPendingAsync()
    {
        if (_pending is null) return;
        await _pending.CancelAsync();
        await _sending;
        _pending.Dispose();
        _pending = null;
    }

    public async ValueTask DisposeAsync() => await StopPendingAsync();
}
