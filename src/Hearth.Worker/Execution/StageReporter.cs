namespace Hearth.Worker.Execution;

/// <summary>
/// Tells the scheduler which stage a replicate is in, but only once a stage has lasted
/// <see cref="WorkerOptions.ProgressReportDelay"/>: progress is for people watching a task, and a stage that ends sooner
/// would cost the scheduler a request nobody reads. The contribution or failure report says the rest. One timer serves
/// every stage of the replicate, so a short stage costs nothing but re-arming it.
/// </summary>
public sealed class StageReporter(ReportDelivery reports, string replicateId, TimeSpan delay, TimeProvider time) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private string? _stage;
    private long _enteredAt;
    private CancellationToken _stageToken;
    private CancellationTokenSource? _sendingCancel;
    private Task _sending = Task.CompletedTask;
    private bool _disposed;

    /// <summary>The replicate entered <paramref name="stage"/>: the previous stage's report is dropped if it was not sent yet.</summary>
    public async Task EnterAsync(string stage, CancellationToken ct)
    {
        if (delay <= TimeSpan.Zero)
        {
            await reports.ProgressAsync(replicateId, stage, null, ct);
            return;
        }
        lock (_gate)
        {
            _sendingCancel?.Cancel();
            _stage = stage;
            _stageToken = ct;
            _enteredAt = time.GetTimestamp();
            _timer ??= time.CreateTimer(_ => Elapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private void Elapsed()
    {
        lock (_gate)
        {
            if (_disposed || _stage is not { } stage) return;
            // A tick armed for an earlier stage may come just after the next one began, and a timer may tick a little
            // before its time: a stage that has not lasted yet is looked at again when it will have.
            var lasted = time.GetElapsedTime(_enteredAt);
            if (lasted < delay)
            {
                _timer!.Change(delay - lasted + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                return;
            }
            _stage = null;
            _sendingCancel = CancellationTokenSource.CreateLinkedTokenSource(_stageToken);
            _sending = SendAsync(stage, _sendingCancel.Token);
        }
    }

    private async Task SendAsync(string stage, CancellationToken ct)
    {
        try
        {
            await reports.ProgressAsync(replicateId, stage, null, ct);
        }
        catch (OperationCanceledException)
        {
            // The stage ended while the report was on its way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task sending;
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _sendingCancel?.Cancel();
            sending = _sending;
        }
        await sending;
        _sendingCancel?.Dispose();
    }
}
