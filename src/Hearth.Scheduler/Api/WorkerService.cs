using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Hearth.Chain.Market;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nethereum.Signer;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Api;

/// <summary>What the worker API does, independent of HTTP: login, heartbeats, assignments, progress, contributions, failures.</summary>
public sealed class WorkerService(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    WorkerAuth auth,
    WorkerScores scores,
    HearthClient chain,
    IHttpClientFactory http,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<WorkerService> logger)
{
    private readonly byte[] _schedulerKey = new EthECKey(options.Value.SchedulerPrivateKey).GetPrivateKeyAsBytes();

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
        var refused = auth.TakeChallenge(r.Challenge, r.Worker);
        if (refused is not null) return ApiResult<LoginResponse>.Fail(401, refused);
        var signer = Signatures.RecoverMessage(WorkerLogin.Message(r.Workerpool, r.Challenge), r.Signature);
        if (signer is null || !Addresses.AreEqual(signer, r.Worker))
            return ApiResult<LoginResponse>.Fail(401, "the signature does not come from that worker's key");

        var worker = r.Worker.ToLowerInvariant();
        var nowMs = Now();
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var row = await db.Workers.FindAsync([worker], ct);
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
        var (token, expires) = auth.IssueToken(worker);
        SchedulerLog.WorkerLoggedIn(logger, worker);
        return new LoginResponse(token, expires, chain.Address);
    }

    public async Task<ApiResult<HeartbeatResponse>> HeartbeatAsync(string worker, HeartbeatRequest? r, CancellationToken ct)
    {
        if (r is null) return ApiResult<HeartbeatResponse>.Fail(400, "a heartbeat body is required");
        if (r.Slots is < 0 or > 1_024) return ApiResult<HeartbeatResponse>.Fail(400, $"slots must be between 0 and 1024, was {r.Slots}");
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

    /// <summary>The next replicate placed on this worker, waiting up to <paramref name="wait"/> for one; null when none came.</summary>
    public async Task<Assignment?> NextAsync(string worker, TimeSpan wait, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + wait; // real time: this bounds an HTTP request, not a protocol deadline
        while (true)
        {
            var assignment = await TryDeliverAsync(worker, ct);
            if (assignment is not null) return assignment;
            var left = until - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            signals.PlacementNeeded.Fire();
            await signals.Assigned.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), ct);
        }
    }

    private async Task<Assignment?> TryDeliverAsync(string worker, CancellationToken ct)
    {
        using var _ = await gate.EnterAsync(ct);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var assignment = await TakeNextAsync(db, worker, ct);
        if (assignment is not null) await db.SaveChangesAsync(ct);
        return assignment;
    }

    /// <summary>Marks the oldest undelivered replicate of the worker delivered (saved by the caller, under the gate) and builds its assignment.</summary>
    private async Task<Assignment?> TakeNextAsync(SchedulerDb db, string worker, CancellationToken ct)
    {
        var replicate = await db.Replicates.Where(x => x.Worker == worker && x.Status == ReplicateStatus.Assigned && !x.Delivered)
            .OrderBy(x => x.AssignedAtMs).FirstOrDefaultAsync(ct);
        if (replicate is null) return null;
        var deal = await db.Deals.SingleAsync(d => d.DealId == replicate.DealId, ct);
        replicate.Delivered = true;
        replicate.UpdatedAtMs = Now();
        return BuildAssignment(replicate, deal, worker);
    }

    private Assignment BuildAssignment(ReplicateEntity replicate, DealEntity deal, string worker)
    {
        var o = options.Value;
        var (args, env) = DealParams.Parse(deal.Params);
        var environment = new Dictionary<string, string>(env, StringComparer.Ordinal)
        {
            ["HEARTH_DEAL_ID"] = deal.DealId,
            ["HEARTH_TASK_ID"] = replicate.TaskId,
            ["HEARTH_TASK_INDEX"] = replicate.TaskIndex.ToString(CultureInfo.InvariantCulture),
        };
        var authorization = Signatures.SignMessage(WorkerLogin.AuthorizationMessage(worker, replicate.TaskId), _schedulerKey);
        return new Assignment(
            replicate.ReplicateId, deal.DealId, replicate.TaskIndex, replicate.TaskId,
            new AssetRef(deal.App, deal.AppChecksum, deal.AppLocation),
            deal.DatasetChecksum is null ? null : new AssetRef(deal.Dataset, deal.DatasetChecksum, deal.DatasetLocation ?? ""),
            args, environment,
            new TaskLimits((int)Math.Min(int.MaxValue, Math.Max(1, deal.CategorySeconds)), o.TaskMemoryBytes, null),
            deal.DeadlineTime, o.ResultStorageUrl, authorization);
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
        var detail = string.IsNullOrWhiteSpace(r.Detail) ? "" : ": " + r.Detail[..Math.Min(r.Detail.Length, 300)];
        ReplicateStateMachine.Move(db, replicate, stage.Value, $"worker reports {r.Stage.ToLowerInvariant()}{detail}", Now());
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Records a contribution. With <paramref name="takeNext"/> the worker's next replicate, if one is placed, is delivered
    /// in the same transaction and returned: a worker that goes on working needs no separate request for it.
    /// </summary>
    public async Task<ApiResult<Assignment?>> ContributeAsync(string worker, string replicateId, ContributionReport? r, bool takeNext, CancellationToken ct)
    {
        if (r is null) return ApiResult<Assignment?>.Fail(400, "a contribution body is required");
        if (!Hash32.TryParse(r.Digest, out var digest) || digest.IsZero || r.Digest is not { Length: 66 })
            return ApiResult<Assignment?>.Fail(400, "digest must be a 0x-prefixed sha256 (64 hex digits), not zero");
        if (!TryHex(r.Signature, 65, out var signature)) return ApiResult<Assignment?>.Fail(400, "signature must be 65 bytes of 0x-prefixed hex");
        if (!double.IsFinite(r.RunSeconds) || r.RunSeconds < 0) return ApiResult<Assignment?>.Fail(400, "runSeconds must be a finite number ≥ 0");

        // Checks that need no gate first: whose replicate, the signature, the blob, the contributors' standings.
        ReplicateEntity? peek;
        List<string> contributors;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var (found, error) = await FindOwnAsync(db, worker, replicateId, ct);
            if (found is null) return ApiResult<Assignment?>.Fail(error.Status, error.Message);
            peek = found;
            contributors = await db.Replicates.Where(x => x.TaskId == peek.TaskId && x.Digest != null).Select(x => x.Worker).ToListAsync(ct);
        }
        var signer = ContributionSigning.RecoverWorker(chain.Domain, Hash32.Parse(peek.TaskId), digest, signature);
        if (signer is null || !Addresses.AreEqual(signer, worker))
            return ApiResult<Assignment?>.Fail(400, $"the contribution signature does not recover to worker {worker} for task {peek.TaskId} (signed {signer ?? "nothing readable"}; check the chain id and market address of the EIP-712 domain)");
        if (options.Value.CheckResultBlobs && !await BlobExistsAsync(digest, ct))
            return ApiResult<Assignment?>.Fail(409, $"result {digest} is not in the result storage: upload it before contributing");

        var standings = await scores.GetManyAsync(contributors.Append(worker), ct);

        bool consensus;
        Assignment? next = null;
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var (replicate, error) = await FindOwnAsync(db, worker, replicateId, ct);
            if (replicate is null) return ApiResult<Assignment?>.Fail(error.Status, error.Message);
            if (ReplicateStateMachine.HasContribution(replicate.Status)) return ApiResult<Assignment?>.Fail(409, $"replicate {replicateId} already has a contribution");
            if (!ReplicateStateMachine.IsActive(replicate.Status)) return ApiResult<Assignment?>.Fail(409, $"replicate {replicateId} is {replicate.Status}: {replicate.Reason}");
            var task = await db.Tasks.SingleAsync(t => t.TaskId == replicate.TaskId, ct);
            var deal = await db.Deals.SingleAsync(d => d.DealId == replicate.DealId, ct);
            var nowMs = Now();
            replicate.Digest = digest.ToString();
            replicate.Signature = "0x" + Convert.ToHexStringLower(signature);
            replicate.ContributedAtMs = nowMs;
            replicate.ExitCode = r.ExitCode;
            replicate.RunSeconds = r.RunSeconds;
            ReplicateStateMachine.Move(db, replicate, ReplicateStatus.Contributed, $"result {replicate.Digest} (exit code {r.ExitCode}, {r.RunSeconds:0.###} s)", nowMs);
            var replicates = await db.Replicates.Where(x => x.TaskId == task.TaskId && x.ReplicateId != replicate.ReplicateId).ToListAsync(ct);
            replicates.Add(replicate);
            TaskProgress.Advance(db, task, deal, replicates, standings, 2, nowMs);
            consensus = task.Status == TaskStatus.ConsensusReached;
            if (takeNext) next = await TakeNextAsync(db, worker, ct);
            await db.SaveChangesAsync(ct);
        }
        SchedulerLog.Contributed(logger, replicateId, worker, digest.ToString());
        signals.PlacementNeeded.Fire();
        if (consensus) signals.SettlementNeeded.Fire();
        return ApiResult<Assignment?>.Success(next);
    }

    public async Task<ApiResult<bool>> FailAsync(string worker, string replicateId, FailureReport? r, CancellationToken ct)
    {
        if (r is null || string.IsNullOrEmpty(r.Kind)) return ApiResult<bool>.Fail(400, "kind is required");
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var (replicate, error) = await FindOwnAsync(db, worker, replicateId, ct);
            if (replicate is null) return ApiResult<bool>.Fail(error.Status, error.Message);
            if (!ReplicateStateMachine.IsActive(replicate.Status)) return ApiResult<bool>.Fail(409, $"replicate {replicateId} is {replicate.Status}: {replicate.Reason}");
            var nowMs = Now();
            var why = $"worker {worker} reported {Clip(r.Kind, 50)}: {Clip(r.Reason ?? "", 500)}";
            ReplicateStateMachine.Move(db, replicate, ReplicateStatus.Failed, why, nowMs);
            var task = await db.Tasks.SingleAsync(t => t.TaskId == replicate.TaskId, ct);
            var deal = await db.Deals.SingleAsync(d => d.DealId == replicate.DealId, ct);
            var replicates = await db.Replicates.Where(x => x.TaskId == task.TaskId && x.ReplicateId != replicate.ReplicateId).ToListAsync(ct);
            replicates.Add(replicate);
            TaskProgress.Advance(db, task, deal, replicates, new Dictionary<string, WorkerStanding>(), 2, nowMs);
            TaskStateMachine.Explain(db, task, $"{why}; replicate replaced", nowMs);
            await db.SaveChangesAsync(ct);
        }
        signals.PlacementNeeded.Fire();
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

    private async Task<bool> BlobExistsAsync(Hash32 digest, CancellationToken ct)
    {
        var url = options.Value.ResultStorageUrl.TrimEnd('/') + "/blobs/" + digest.ToPlainHex();
        try
        {
            using var response = await http.CreateClient(nameof(WorkerService)).SendAsync(new HttpRequestMessage(HttpMethod.Head, url), ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException e)
        {
            SchedulerLog.StorageUnreachable(logger, url, e);
            return false;
        }
    }

    private static bool TryHex(string? text, int bytes, out byte[] value)
    {
        value = [];
        if (text is null || text.Length != 2 + bytes * 2 || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            value = Convert.FromHexString(text.AsSpan(2));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsFinite(WorkerTelemetry t) =>
        new[] { t.TankCelsius, t.HeatDemandWatts, t.MaxAcceptedPowerWatts, t.MaximumCelsius, t.Utilisation, t.PowerWatts }.All(v => v is null || double.IsFinite(v.Value));

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
