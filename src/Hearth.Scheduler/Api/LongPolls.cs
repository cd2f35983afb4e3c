using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Api;

/// <summary>
/// The exchanges waiting for work: at most one per worker (a new one replaces the one waiting, which returns at once
/// with no assignment) and at most <see cref="SchedulerOptions.MaxConcurrentLongPolls"/> in all. Waiters do not look
/// for work themselves: when placement assigns replicates (or once a second), one query finds which waiting workers
/// have undelivered replicates, and only those are woken to take them.
/// </summary>
public sealed class LongPolls(IDbContextFactory<SchedulerDb> dbs, SchedulerSignals signals, IOptions<SchedulerOptions> options, ILogger<LongPolls> logger)
    : BackgroundService
{
    /// <summary>How often waiting workers are looked at without a placement event (a safety net, one query for all).</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Poll> _polls = new(StringComparer.Ordinal);

    /// <summary>Exchanges waiting now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _polls.Count;
        }
    }

    /// <summary>Most exchanges that waited at once since start.</summary>
    public int Peak { get; private set; }

    /// <summary>Registers a wait of <paramref name="worker"/>, replacing its earlier one; null when the cap is reached.</summary>
    public Poll? TryEnter(string worker)
    {
        lock (_lock)
        {
            if (_polls.Remove(worker, out var earlier)) earlier.Replace();
            else if (_polls.Count >= options.Value.MaxConcurrentLongPolls) return null;
            var poll = new Poll(this, worker);
            _polls[worker] = poll;
            Peak = Math.Max(Peak, _polls.Count);
            return poll;
        }
    }

    private void Leave(Poll poll)
    {
        lock (_lock)
        {
            if (_polls.TryGetValue(poll.Worker, out var current) && ReferenceEquals(current, poll)) _polls.Remove(poll.Worker);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            // Armed before looking, so an assignment made while the query runs is not missed.
            var assigned = signals.Assigned.WaitAsync(Recheck, ct);
            try
            {
                await WakeThoseWithWorkAsync(ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                SchedulerLog.LoopFailed(logger, "long-poll waker", ++failures, e);
            }
            try
            {
                await assigned;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WakeThoseWithWorkAsync(CancellationToken ct)
    {
        Poll[] waiting;
        lock (_lock)
        {
            if (_polls.Count == 0) return;
            waiting = [.. _polls.Values];
        }
        // Undelivered replicates are few (bounded by the pool's free slots and what is placed ahead): read them all.
        await using var db = await dbs.CreateDbContextAsync(ct);
        var ready = (await db.Replicates.AsNoTracking().Where(r => r.Status == ReplicateStatus.Assigned && !r.Delivered)
            .Select(r => r.Worker).Distinct().ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        foreach (var poll in waiting)
            if (ready.Contains(poll.Worker)) poll.Wake();
    }

    /// <summary>One waiting exchange; disposing it ends the wait's registration.</summary>
    public sealed class Poll(LongPolls owner, string worker) : IDisposable
    {
        private readonly TaskCompletionSource _replaced = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Worker => worker;

        /// <summary>Another exchange of the same worker took this one's place.</summary>
        public bool Replaced => _replaced.Task.IsCompleted;

        internal void Wake() => Volatile.Read(ref _wake).TrySetResult();

        internal void Replace() => _replaced.TrySetResult();

        /// <summary>True when woken (work may be there: take it); false when replaced or out of time.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
        {
            var wake = Volatile.Read(ref _wake);
            try
            {
                await Task.WhenAny(wake.Task, _replaced.Task).WaitAsync(timeout, ct);
            }
            catch (TimeoutException)
            {
                return false;
            }
            if (Replaced) return false;
            // Re-armed before the caller looks, so a wake during its look is kept for the next wait.
            Interlocked.CompareExchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
            return true;
        }

        public void Dispose() => owner.Leave(this);
    }
}
