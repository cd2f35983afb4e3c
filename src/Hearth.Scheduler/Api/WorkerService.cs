using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Hearth.Chain.Market;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Api;

/// <summary>What the worker API does, independent of HTTP: login, heartbeats and progress (reports and assignments are the <see cref="WorkerExchange"/>'s).</summary>
public sealed class WorkerService(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    WorkerAuth auth,
    WorkerAdmission admission,
    HearthClient chain,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<WorkerService> logger)
{
    // Serialises the live count and the row it admits, so concurrent logins cannot overfill the pool.
    private readonly SemaphoreSlim _seats = new(1, 1);

    public ApiResult<ChallengeResponse> Challenge(ChallengeRequest? request)
    {
        if (request is null || !Addresses.IsValid(request.Worker)) return ApiResult<ChallengeResponse>.Fail(400, "worker must be an address (0x and 40 hex digits)");
        var (challenge, expires) = auth.IssueChallenge(request.Worker);
        return new ChallengeResponse(challenge, expires);
    }

    public async Task<ApiResult<LoginResponse>> LoginAsync(LoginRequest? r, CancellationToken ct)
    {
        if (r is null || !Addresses.IsValid(r.Worker)) return ApiResult<LoginResponse>.Fail(400, "worker must be an address (0x and 40 hex digits)");
        if (string.IsNullOrEmpty(r.Challenge) || string.IsNullOrEmpty(r.Signature) || r.Workerpool is null)
            return ApiResult<LoginResponse>.Fail(400, "workerpool, challenge and signature are required");
        if (!BigInteger.TryParse(r.Workerpool, NumberStyles.None, CultureInfo.InvariantCulture, out var pool) || pool != options.Value.Workerpool)
            return ApiResult<LoginResponse>.Fail(403, $"this scheduler manages workerpool {options.Value.WorkerpoolId}, not '{r.Workerpool}'");
        var (challenge, refused) = auth.CheckChallenge(r.Challenge, r.Worker);
        if (refused is not null) return ApiResult<LoginResponse>.Fail(401, refused);
        var signer = Signatures.RecoverMessage(WorkerLogin.Message(r.Workerpool, r.Challenge), r.Signature);
        if (signer is null || !Addresses.AreEqual(signer, r.Worker))
            return ApiResult<LoginResponse>.Fail(401, "the signature does not come from that worker's key");
        // Only now, with the worker's own signature, is the challenge remembered: anonymous callers fill nothing.
        if (!auth.Use(challenge, out refused, out var retryAfter))
            return retryAfter is { } seconds ? ApiResult<LoginResponse>.TooMany(refused!, seconds) : ApiResult<LoginResponse>.Fail(401, refused!);

        var worker = r.Worker.ToLowerInvariant();
        // Admission (allowlist, stake) before any row: a refused key leaves nothing behind but a cached stake read.
        string? notAdmitted;
        try
        {
            notAdmitted = await admission.RefusalAsync(worker, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ApiResult<LoginResponse>.Unavailable("the worker's stake could not be read from the chain; log in again shortly", 5);
        }
        if (notAdmitted is not null) return ApiResult<LoginResponse>.Fail(403, notAdmitted);

        await _seats.WaitAsync(ct);
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var nowMs = Now();
            var row = await db.Workers.FindAsync([worker], ct);
            if ((row is null || row.LastHeartbeatMs < LiveSince(nowMs)) && await PoolFullAsync(db, nowMs, ct) is { } full) return full.As<LoginResponse>();
            if (row is null)
            {
                db.Workers.Add(new WorkerEntity { Address = worker, LoggedInAtMs = nowMs, LastHeartbeatMs = nowMs });
                History.Record(db, "worker", worker, null, "LoggedIn", "first login", nowMs);
            }
            else
            {
                row.LoggedInAtMs = row.LastHeartbeatMs = nowMs;
            }
            await db.SaveChangesAsync(ct);
        }
        finally
        {
            _seats.Release();
        }
        var (token, expires) = auth.IssueToken(worker);
        SchedulerLog.WorkerLoggedIn(logger, worker);
        return new LoginResponse(token, expires, chain.Address);
    }

    public async Task<ApiResult<HeartbeatResponse>> HeartbeatAsync(string worker, HeartbeatRequest? r, CancellationToken ct)
    {
        if (r is null) return ApiResult<HeartbeatResponse>.Fail(400, "a heartbeat body is required");
        var maxSlots = options.Value.MaxSlotsPerWorker;
        if (r.Slots < 0 || r.Slots > maxSlots)
            return ApiResult<HeartbeatResponse>.Fail(400, $"slots must be between 0 and {maxSlots} ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.MaxSlotsPerWorker)} of this pool), was {r.Slots}: configure the worker with at most {maxSlots} slots");
        if (r.FreeSlots < 0 || r.FreeSlots > r.Slots) return ApiResult<HeartbeatResponse>.Fail(400, $"freeSlots must be between 0 and slots ({r.Slots}), was {r.FreeSlots}");
        var held = r.HeldReplicates ?? [];
        if (held.Count > 1_024) return ApiResult<HeartbeatResponse>.Fail(400, "too many held replicates");
        if (r.Telemetry is { } t && !IsFinite(t)) return ApiResult<HeartbeatResponse>.Fail(400, "telemetry figures must be finite numbers");

        List<string> cancelled;
        List<string> forgotten;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var row = await db.Workers.FindAsync([worker], ct);
            if (row is null) return ApiResult<HeartbeatResponse>.Fail(401, "unknown worker: log in again");
            // A worker back from silence takes a seat again, if one is free (checked without the login lock: a heartbeat
            // may overfill the pool by the few workers reviving at the same instant).
            if (row.LastHeartbeatMs < LiveSince(Now()) && await PoolFullAsync(db, Now(), ct) is { } full) return full.As<HeartbeatResponse>();
            row.Slots = r.Slots;
            row.FreeSlots = r.FreeSlots;
            row.TelemetryJson = r.Telemetry is null ? null : JsonSerializer.Serialize(r.Telemetry, JsonSerializerOptions.Web);
            row.LastHeartbeatMs = Now();
            var still = await db.Replicates.Where(x => x.Worker == worker && held.Contains(x.ReplicateId) && ReplicateStateMachine.ActiveStatuses.Contains(x.Status))
                .Select(x => x.ReplicateId).ToListAsync(ct);
            cancelled = held.Except(still).ToList();
            forgotten = await ForgottenAsync(db, worker, held, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Two heartbeats of one worker raced: the other one was recorded, which is as good.
            }
        }
        if (forgotten.Count > 0) await AbandonForgottenAsync(worker, held, ct);
        signals.PlacementNeeded.Fire();
        return new HeartbeatResponse(Math.Max(1, options.Value.HeartbeatTimeoutSeconds / 3), cancelled);
    }

    /// <summary>
    /// Replicates delivered to the worker that its heartbeat no longer lists, though it still beats: it lost them (a
    /// crash with a lost state file, a bug). Only those untouched for a heartbeat timeout count, so a heartbeat that
    /// crossed a delivery on the wire does not.
    /// </summary>
    private Task<List<string>> ForgottenAsync(SchedulerDb db, string worker, IReadOnlyList<string> held, CancellationToken ct)
    {
        var before = Now() - (long)options.Value.HeartbeatTimeout.TotalMilliseconds;
        return db.Replicates.Where(x => x.Worker == worker && x.Delivered && ReplicateStateMachine.ActiveStatuses.Contains(x.Status)
                && x.UpdatedAtMs < before && !held.Contains(x.ReplicateId))
            .Select(x => x.ReplicateId).ToListAsync(ct);
    }

    private async Task AbandonForgottenAsync(string worker, IReadOnlyList<string> held, CancellationToken ct)
    {
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var ids = await ForgottenAsync(db, worker, held, ct);
            var nowMs = Now();
            foreach (var replicate in await db.Replicates.Where(x => ids.Contains(x.ReplicateId)).ToListAsync(ct))
            {
                var why = $"worker {worker} no longer holds it: its heartbeat lists {held.Count} replicate(s), not this one; replicate reassigned";
                await ReplicateLoss.AbandonAsync(db, replicate, why, nowMs, ct);
                SchedulerLog.ReplicateAbandoned(logger, replicate.ReplicateId, worker);
            }
            await db.SaveChangesAsync(ct);
        }
    }

    public async Task<ApiResult<bool>> ProgressAsync(string worker, string replicateId, ProgressReport? r, CancellationToken ct)
    {
        if (r is null || string.IsNullOrEmpty(r.Stage)) return ApiResult<bool>.Fail(400, "stage is required");
        ReplicateStatus? stage = r.Stage.ToLowerInvariant() switch
        {
            "downloading" => ReplicateStatus.Downloading,
            "running" => ReplicateStatus.Running,
            "uploading" => ReplicateStatus.Uploading,
            _ => null,
        };
        if (stage is null) return ApiResult<bool>.Fail(400, $"unknown stage '{r.Stage}': use downloading, running or uploading");

        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var (replicate, error) = await FindOwnAsync(db, worker, replicateId, ct);
        if (replicate is null) return ApiResult<bool>.Fail(error.Status, error.Message);
        if (replicate.Status == stage) return true;
        if (!ReplicateStateMachine.IsActive(replicate.Status) || !ReplicateStateMachine.CanMove(replicate.Status, stage.Value))
            return ApiResult<bool>.Fail(409, $"replicate {replicateId} is {replicate.Status} ({replicate.Reason}); it cannot go to {stage}");
        // A worker's words may quote a digest: withheld, as every digest is until settlement (ResultSecrecy).
        var said = string.IsNullOrWhiteSpace(r.Detail) ? "" : ResultSecrecy.Redact(r.Detail, [replicate.DealId, replicate.TaskId]);
        var detail = said.Length == 0 ? "" : ": " + said[..Math.Min(said.Length, 300)];
        ReplicateStateMachine.Move(db, replicate, stage.Value, $"worker reports {r.Stage.ToLowerInvariant()}{detail}", Now());
        await db.SaveChangesAsync(ct);
        return true;
    }

    private static async Task<(ReplicateEntity? Replicate, (int Status, string Message) Error)> FindOwnAsync(SchedulerDb db, string worker, string replicateId, CancellationToken ct)
    {
        if (replicateId.Length > 100) return (null, (404, "unknown replicate"));
        var replicate = await db.Replicates.FindAsync([replicateId], ct);
        if (replicate is null) return (null, (404, $"unknown replicate {replicateId}"));
        if (replicate.Worker != worker) return (null, (403, $"replicate {replicateId} belongs to another worker"));
        return (replicate, (0, ""));
    }

    private long LiveSince(long nowMs) => nowMs - (long)options.Value.HeartbeatTimeout.TotalMilliseconds;

    /// <summary>A refusal when <see cref="SchedulerOptions.MaxLiveWorkers"/> workers are live already.</summary>
    private async Task<Refusal?> PoolFullAsync(SchedulerDb db, long nowMs, CancellationToken ct)
    {
        var max = options.Value.MaxLiveWorkers;
        var since = LiveSince(nowMs);
        var live = await db.Workers.CountAsync(w => w.LastHeartbeatMs >= since, ct);
        if (live < max) return null;
        var retry = Math.Max(1, options.Value.HeartbeatTimeoutSeconds);
        return new Refusal($"this pool has {live} live workers, its most ({SchedulerOptions.SectionName}:{nameof(SchedulerOptions.MaxLiveWorkers)} {max}); a seat frees when a worker stays silent for {retry} s: ask again then", retry);
    }

    private sealed record Refusal(string Error, int RetryAfterSeconds)
    {
        public ApiResult<T> As<T>() => ApiResult<T>.TooMany(Error, RetryAfterSeconds);
    }

    private static bool IsFinite(WorkerTelemetry t) =>
        new[] { t.TankCelsius, t.HeatDemandWatts, t.MaxAcceptedPowerWatts, t.MaximumCelsius, t.Utilisation, t.PowerWatts }.All(v => v is null || double.IsFinite(v.Value));

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
