using System.Globalization;
using Hearth.Chain.Market;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Engine;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;
using Hearth.Storage;
using Hearth.Storage.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nethereum.Signer;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;

namespace Hearth.Scheduler.Api;

/// <summary>
/// What a worker hands in and takes: contributions and failures, each judged on its own, then its next assignments, all
/// recorded in one transaction behind the <see cref="SchedulerGate"/>. The single-report routes are exchanges of one.
/// </summary>
public sealed class WorkerExchange(
    IDbContextFactory<SchedulerDb> dbs,
    SchedulerGate gate,
    SchedulerSignals signals,
    LongPolls polls,
    WorkerScores scores,
    HearthClient chain,
    IHttpClientFactory http,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<WorkerExchange> logger)
{
    private const int MaxReplicateIdLength = 100;

    private readonly byte[] _schedulerKey = new EthECKey(options.Value.SchedulerPrivateKey).GetPrivateKeyAsBytes();

    /// <summary>
    /// Records the reports, then delivers up to <c>Want</c> assignments; when the request carries no report and none is
    /// placed yet, waits up to <paramref name="wait"/> for one.
    /// </summary>
    public async Task<ApiResult<ExchangeResponse>> ExchangeAsync(string worker, ExchangeRequest? request, TimeSpan wait, CancellationToken ct)
    {
        if (request is null) return ApiResult<ExchangeResponse>.Fail(400, "an exchange body is required");
        var contributions = request.Contributions ?? [];
        var failures = request.Failures ?? [];
        if (contributions.Count + failures.Count > ExchangeLimits.MaxReports)
            return ApiResult<ExchangeResponse>.Fail(400, $"an exchange carries at most {ExchangeLimits.MaxReports} reports, not {contributions.Count + failures.Count}");
        if (request.Want is < 0 or > ExchangeLimits.MaxAssignments)
            return ApiResult<ExchangeResponse>.Fail(400, $"want must be between 0 and {ExchangeLimits.MaxAssignments}, was {request.Want}");
        if (contributions.Any(c => c?.Report is null || c.ReplicateId is null) || failures.Any(f => f?.Report is null || f.ReplicateId is null))
            return ApiResult<ExchangeResponse>.Fail(400, "every report needs a replicateId and its report");

        try
        {
            if (contributions.Count + failures.Count == 0 && request.Want > 0 && wait > TimeSpan.Zero)
                return await LongPollAsync(worker, request.Want, wait, ct);

            var reports = new Reports(worker, contributions, failures);
            reports.CheckShapes();
            await CheckOutsideGateAsync(reports, ct);
            // A chain that cannot be read gives the last known scores (their age logged) rather than failing the exchange.
            var standings = reports.PendingContributions().Any()
                ? await scores.GetManyAsync(reports.Contributors.Append(worker), ct, lastKnownWhenUnreadable: true)
                : new Dictionary<string, WorkerStanding>();

            var assignments = await RecordAsync(reports, standings, request.Want, ct);
            return new ExchangeResponse(reports.Outcomes(), assignments);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && TransientFailures.Classify(e) is { } transient)
        {
            // Nothing of the exchange was recorded (one transaction): the same request may be sent again as it is.
            TransientFailures.Unavailable(logger, worker, transient.What, transient.Message);
            return ApiResult<ExchangeResponse>.Unavailable(transient.PublicReason, TransientFailures.RetryAfterSeconds);
        }
    }

    /// <summary>The next replicate placed on this worker, waiting up to <paramref name="wait"/> for one; null when none came.</summary>
    public async Task<ApiResult<Assignment?>> NextAsync(string worker, TimeSpan wait, CancellationToken ct)
    {
        var answer = await ExchangeAsync(worker, new ExchangeRequest(null, null, 1), wait, ct);
        return answer.Ok
            ? ApiResult<Assignment?>.Success(answer.Value!.Assignments.FirstOrDefault())
            : ApiResult<Assignment?>.Fail(answer.Status, answer.Error!) with { RetryAfterSeconds = answer.RetryAfterSeconds };
    }

    /// <summary>Records one contribution; with <paramref name="takeNext"/> the worker's next assignment, if one is placed, comes back.</summary>
    public async Task<ApiResult<Assignment?>> ContributeAsync(string worker, string replicateId, ContributionReport? report, bool takeNext, CancellationToken ct)
    {
        if (report is null) return ApiResult<Assignment?>.Fail(400, "a contribution body is required");
        var answer = await ExchangeAsync(worker, new ExchangeRequest([new ReplicateContribution(replicateId, report)], null, takeNext ? 1 : 0), TimeSpan.Zero, ct);
        if (!answer.Ok) return ApiResult<Assignment?>.Fail(answer.Status, answer.Error!) with { RetryAfterSeconds = answer.RetryAfterSeconds };
        var outcome = answer.Value!.Outcomes[0];
        return outcome.Recorded ? ApiResult<Assignment?>.Success(answer.Value.Assignments.FirstOrDefault()) : ApiResult<Assignment?>.Fail(outcome.Status, outcome.Error!);
    }

    /// <summary>Records one failure: the replicate is given back and replaced.</summary>
    public async Task<ApiResult<bool>> FailAsync(string worker, string replicateId, FailureReport? report, CancellationToken ct)
    {
        if (report is null) return ApiResult<bool>.Fail(400, "kind is required");
        var answer = await ExchangeAsync(worker, new ExchangeRequest(null, [new ReplicateFailure(replicateId, report)], 0), TimeSpan.Zero, ct);
        if (!answer.Ok) return ApiResult<bool>.Fail(answer.Status, answer.Error!) with { RetryAfterSeconds = answer.RetryAfterSeconds };
        var outcome = answer.Value!.Outcomes[0];
        return outcome.Recorded ? true : ApiResult<bool>.Fail(outcome.Status, outcome.Error!);
    }

    /// <summary>Whose replicates, the contribution signatures, the result blobs: what needs no gate.</summary>
    private async Task CheckOutsideGateAsync(Reports reports, CancellationToken ct)
    {
        var pending = reports.PendingContributions().ToList();
        if (pending.Count == 0) return;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var ids = pending.Select(c => c.Item.ReplicateId).ToList();
        var rows = await db.Replicates.AsNoTracking().Where(x => ids.Contains(x.ReplicateId)).ToDictionaryAsync(x => x.ReplicateId, StringComparer.Ordinal, ct);
        foreach (var c in pending)
        {
            if (!reports.CheckOwner(c.Index, rows.GetValueOrDefault(c.Item.ReplicateId))) continue;
            var taskId = rows[c.Item.ReplicateId].TaskId;
            if (c.Signature.Length == 65 && !Signatures.IsLowS(c.Signature.AsSpan(32, 32)))
            {
                reports.Refuse(c.Index, 400, "the contribution signature's s is in the upper half of the curve order: the chain refuses such a signature; sign with low s, as every standard signer does");
                continue;
            }
            var signer = ContributionSigning.RecoverWorker(chain.Domain, Hash32.Parse(taskId), c.Digest, c.Signature);
            if (signer is null || !Addresses.AreEqual(signer, reports.Worker))
                reports.Refuse(c.Index, 400, $"the contribution signature does not recover to worker {reports.Worker} for task {taskId} (signed {signer ?? "nothing readable"}; check the chain id and market address of the EIP-712 domain)");
            else if (c.Chain is { } link && !ChainLinkHolds(rows[c.Item.ReplicateId], c.Digest, link, reports.Worker))
                reports.Refuse(c.Index, 400, $"the result chain signature does not recover to worker {reports.Worker} over the head after this result (ResultChain(deal, keccak256(chainStart, task, digest)), low s)");
            else if (c.Item.Report is { LogsDigest: { } logs, LogsSignature: { } logsSignature }
                && RunLogsSigning.RecoverWorker(chain.Domain, Hash32.Parse(taskId), c.Digest, Hash32.Parse(logs), Convert.FromHexString(logsSignature.AsSpan(2))) is var logsSigner
                && (logsSigner is null || !Addresses.AreEqual(logsSigner, reports.Worker)))
                reports.Refuse(c.Index, 400, $"the logs signature does not recover to worker {reports.Worker} (signed {logsSigner ?? "nothing readable"}; RunLogs(task, result, logs) in the contributions' EIP-712 domain)");
        }
        if (options.Value.CheckResultBlobs)
        {
            var checking = reports.PendingContributions().ToList();
            var stored = await StoredResultsAsync(checking.Select(c => BlobAddress.FromHash(c.Digest.Span)).ToList(), ct);
            // The storage answered: a digest it does not hold was never uploaded (or not yet), a definitive refusal.
            foreach (var c in checking.Where(c => !stored.Contains(BlobAddress.FromHash(c.Digest.Span))))
                reports.Refuse(c.Index, 409, "the result is not in the result storage: upload it before contributing");
        }
        var taskIds = reports.PendingContributions().Select(c => rows[c.Item.ReplicateId].TaskId).Distinct().ToList();
        reports.Contributors.AddRange(await db.Replicates.Where(x => taskIds.Contains(x.TaskId) && x.Digest != null).Select(x => x.Worker).ToListAsync(ct));
    }

    /// <summary>Whether the worker signed the head its chain reaches with this result (a lone result then settles in a run).</summary>
    private bool ChainLinkHolds(ReplicateEntity replicate, Hash32 digest, Reports.ChainLink link, string worker)
    {
        var dealId = Hash32.Parse(replicate.DealId);
        var head = ResultChain.Next(link.Start, replicate.TaskIndex, digest);
        var signer = ResultChain.RecoverWorker(chain.Domain, dealId, head, link.Signature);
        return signer is not null && Addresses.AreEqual(signer, worker);
    }

    /// <summary>Applies the reports that passed every check and delivers the assignments, in one transaction.</summary>
    private async Task<List<Assignment>> RecordAsync(Reports reports, IReadOnlyDictionary<string, WorkerStanding> standings, int want, CancellationToken ct)
    {
        var consensus = false;
        List<Assignment> assignments;
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var ids = reports.PendingIds().ToList();
            if (ids.Count == 0 && want == 0) return [];
            var replicates = await db.Replicates.Where(x => ids.Contains(x.ReplicateId)).ToDictionaryAsync(x => x.ReplicateId, StringComparer.Ordinal, ct);
            var taskIds = replicates.Values.Select(r => r.TaskId).Distinct().ToList();
            var dealIds = replicates.Values.Select(r => r.DealId).Distinct().ToList();
            var tasks = await db.Tasks.Where(t => taskIds.Contains(t.TaskId)).ToDictionaryAsync(t => t.TaskId, StringComparer.Ordinal, ct);
            var deals = await db.Deals.Where(d => dealIds.Contains(d.DealId)).ToDictionaryAsync(d => d.DealId, StringComparer.Ordinal, ct);
            // Tracked: the same instances as the reported replicates, so each change is seen by the task's next judgement.
            var siblings = (await db.Replicates.Where(x => taskIds.Contains(x.TaskId)).ToListAsync(ct)).ToLookup(x => x.TaskId, StringComparer.Ordinal);
            var nowMs = Now();

            foreach (var c in reports.PendingContributions().ToList())
            {
                var replicate = replicates.GetValueOrDefault(c.Item.ReplicateId);
                if (!reports.CheckOwner(c.Index, replicate)) continue;
                if (ReplicateStateMachine.HasContribution(replicate!.Status)) { reports.Refuse(c.Index, 409, $"replicate {replicate.ReplicateId} already has a contribution"); continue; }
                if (!ReplicateStateMachine.IsActive(replicate.Status)) { reports.Refuse(c.Index, 409, $"replicate {replicate.ReplicateId} is {replicate.Status}: {replicate.Reason}"); continue; }
                var r = c.Item.Report;
                replicate.Digest = c.Digest.ToString();
                replicate.Signature = "0x" + Convert.ToHexStringLower(c.Signature);
                replicate.ChainStart = c.Chain?.Start.ToString();
                replicate.ChainSignature = c.Chain is { } link ? "0x" + Convert.ToHexStringLower(link.Signature) : null;
                // Beside the result, never in the chain: shown, like the digest, once the task is settled (ResultSecrecy).
                replicate.LogsDigest = r.LogsDigest is { } logs ? Hash32.Parse(logs).ToString() : null;
                replicate.LogsSignature = r.LogsSignature?.ToLowerInvariant();
                replicate.ContributedAtMs = nowMs;
                replicate.ExitCode = r.ExitCode;
                replicate.RunSeconds = r.RunSeconds;
                // The digest has its own column, shown once the task is settled; never in a reason (ResultSecrecy).
                // No exit code in a public reason before settlement: a failure record (AppFailure) is a result, and its exit code
                // would help a worker guess its digest without running the program.
                ReplicateStateMachine.Move(db, replicate, ReplicateStatus.Contributed, $"contributed ({r.RunSeconds:0.###} s)", nowMs);
                var task = tasks[replicate.TaskId];
                TaskProgress.Advance(db, task, deals[replicate.DealId], siblings[task.TaskId].ToList(), standings, 2, nowMs);
                consensus |= task.Status == TaskStatus.ConsensusReached;
                reports.Record(c.Index);
            }
            foreach (var f in reports.PendingFailures().ToList())
            {
                var replicate = replicates.GetValueOrDefault(f.Item.ReplicateId);
                if (!reports.CheckOwner(f.Index, replicate)) continue;
                if (!ReplicateStateMachine.IsActive(replicate!.Status)) { reports.Refuse(f.Index, 409, $"replicate {replicate.ReplicateId} is {replicate.Status}: {replicate.Reason}"); continue; }
                // A worker's own words may quote its result's digest (an upload that failed): withheld, as every digest is.
                var deal = deals[replicate.DealId];
                string?[] publicIds = [deal.DealId, replicate.TaskId, deal.AppChecksum, deal.DatasetChecksum];
                var why = $"worker {reports.Worker} reported {Clip(ResultSecrecy.Redact(f.Item.Report.Kind, publicIds), 50)}: {Clip(ResultSecrecy.Redact(f.Item.Report.Reason ?? "", publicIds), 500)}";
                replicate.FailureKind = f.Item.Report.Kind.Length <= ReplicateBudget.MaxKindLength ? f.Item.Report.Kind : null;
                ReplicateStateMachine.Move(db, replicate, ReplicateStatus.Failed, why, nowMs);
                var task = tasks[replicate.TaskId];
                TaskProgress.Advance(db, task, deal, siblings[task.TaskId].ToList(), new Dictionary<string, WorkerStanding>(), 2, nowMs);
                TaskStateMachine.Explain(db, task, $"{why}; replicate replaced", nowMs);
                reports.Record(f.Index);
            }
            assignments = await TakeAsync(db, reports.Worker, want, ct);
            await db.SaveChangesAsync(ct);
        }
        foreach (var c in reports.RecordedContributions())
            SchedulerLog.Contributed(logger, c.Item.ReplicateId, reports.Worker);
        if (reports.Count > 0) signals.PlacementNeeded.Fire();
        if (consensus) signals.SettlementNeeded.Fire();
        return assignments;
    }

    /// <summary>
    /// An exchange of no report that may wait: registered in <see cref="LongPolls"/> (replacing the worker's earlier
    /// wait, which returns at once), takes what is placed, else asks for one placement round and sleeps until
    /// <see cref="LongPolls"/> wakes it for its own replicates, it is replaced, or its time is up. Over the cap it
    /// takes what is placed without waiting, and is answered 429 when that is nothing.
    /// </summary>
    private async Task<ApiResult<ExchangeResponse>> LongPollAsync(string worker, int want, TimeSpan wait, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + wait; // real time: this bounds an HTTP request, not a protocol deadline
        using var poll = polls.TryEnter(worker);
        var assignments = await TakeNowAsync(worker, want, ct);
        if (assignments.Count > 0) return new ExchangeResponse([], assignments);
        if (poll is null)
            return ApiResult<ExchangeResponse>.TooMany(
                $"{options.Value.MaxConcurrentLongPolls} exchanges already wait for work at this scheduler ({SchedulerOptions.SectionName}:MaxConcurrentLongPolls); ask again shortly", 5);
        // A worker asks: placement need not wait for its next round. Once per wait, not once per second.
        signals.PlacementNeeded.Fire();
        while (true)
        {
            var left = until - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero || !await poll.WaitAsync(left, ct)) return new ExchangeResponse([], []);
            assignments = await TakeNowAsync(worker, want, ct);
            if (assignments.Count > 0) return new ExchangeResponse([], assignments);
        }
    }

    /// <summary>Delivers up to <paramref name="want"/> of the worker's placed replicates, behind the gate.</summary>
    private async Task<List<Assignment>> TakeNowAsync(string worker, int want, CancellationToken ct)
    {
        using (await gate.EnterAsync(ct))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var assignments = await TakeAsync(db, worker, want, ct);
            if (assignments.Count > 0) await db.SaveChangesAsync(ct);
            return assignments;
        }
    }

    /// <summary>Marks the worker's oldest undelivered replicates delivered (saved by the caller, under the gate) and builds their assignments.</summary>
    private async Task<List<Assignment>> TakeAsync(SchedulerDb db, string worker, int want, CancellationToken ct)
    {
        if (want == 0) return [];
        var replicates = await db.Replicates.Where(x => x.Worker == worker && x.Status == ReplicateStatus.Assigned && !x.Delivered)
            .OrderBy(x => x.AssignedAtMs).Take(want).ToListAsync(ct);
        if (replicates.Count == 0) return [];
        var dealIds = replicates.Select(r => r.DealId).Distinct().ToList();
        var deals = await db.Deals.Where(d => dealIds.Contains(d.DealId)).ToDictionaryAsync(d => d.DealId, StringComparer.Ordinal, ct);
        var inputs = await TaskInputsAsync(db, replicates, deals, ct);
        var nowMs = Now();
        var assignments = new List<Assignment>(replicates.Count);
        foreach (var replicate in replicates)
        {
            replicate.Delivered = true;
            replicate.UpdatedAtMs = nowMs;
            assignments.Add(BuildAssignment(replicate, deals[replicate.DealId], worker, inputs.GetValueOrDefault(replicate.TaskId)));
        }
        return assignments;
    }

    /// <summary>The own entries (files, arguments, environment) of the replicates' tasks, read only for deals that have an input list.</summary>
    private static async Task<Dictionary<string, TaskEntry>> TaskInputsAsync(SchedulerDb db, List<ReplicateEntity> replicates,
        Dictionary<string, DealEntity> deals, CancellationToken ct)
    {
        var taskIds = replicates.Where(r => deals[r.DealId].HasInputs).Select(r => r.TaskId).Distinct().ToList();
        if (taskIds.Count == 0) return new Dictionary<string, TaskEntry>(StringComparer.Ordinal);
        var rows = await db.Tasks.AsNoTracking().Where(t => taskIds.Contains(t.TaskId) && t.Inputs != null).Select(t => new { t.TaskId, t.Inputs }).ToListAsync(ct);
        return rows.ToDictionary(t => t.TaskId, t => TaskInputList.TaskFromJson(t.Inputs!), StringComparer.Ordinal);
    }

    /// <summary>A replicate's assignment: the deal's arguments then the task's own, the deal's environment overlaid by the
    /// task's, and the scheduler's HEARTH_* over both.</summary>
    private Assignment BuildAssignment(ReplicateEntity replicate, DealEntity deal, string worker, TaskEntry? own)
    {
        var o = options.Value;
        var (dealArgs, env) = DealParams.Parse(deal.Params);
        IReadOnlyList<string> args = own is null ? dealArgs : [.. dealArgs, .. own.Args];
        var environment = new Dictionary<string, string>(env, StringComparer.Ordinal);
        foreach (var (name, value) in own?.Env ?? new Dictionary<string, string>())
            if (!name.StartsWith(TaskEntry.ReservedPrefix, StringComparison.OrdinalIgnoreCase)) environment[name] = value;
        environment["HEARTH_DEAL_ID"] = deal.DealId;
        environment["HEARTH_TASK_ID"] = replicate.TaskId;
        environment["HEARTH_TASK_INDEX"] = replicate.TaskIndex.ToString(CultureInfo.InvariantCulture);
        var authorization = Signatures.SignMessage(WorkerLogin.AuthorizationMessage(worker, replicate.TaskId), _schedulerKey);
        var limits = ResourceTag.LimitsOf(deal.Tag.Length == 66 ? Convert.FromHexString(deal.Tag.AsSpan(2)) : new byte[32]);
        return new Assignment(
            replicate.ReplicateId, deal.DealId, replicate.TaskIndex, replicate.TaskId,
            new AssetRef(deal.App, deal.AppChecksum, deal.AppLocation),
            deal.DatasetChecksum is null ? null : new AssetRef(deal.Dataset, deal.DatasetChecksum, deal.DatasetLocation ?? ""),
            args, environment,
            new TaskLimits((int)Math.Min(int.MaxValue, Math.Max(1, deal.CategorySeconds)), limits.MemoryBytes!.Value, null, limits.OutputBytes, limits.ScratchBytes),
            deal.DeadlineTime, o.ResultStorageUrl, authorization, own?.Files);
    }

    /// <summary>Which of the results are in the result storage, in one request; a storage that cannot answer is a
    /// <see cref="TransientFailureException"/> (503), never "none stored": a signed report must not be refused for a blip.</summary>
    private async Task<IReadOnlySet<BlobAddress>> StoredResultsAsync(IReadOnlyCollection<BlobAddress> results, CancellationToken ct)
    {
        if (results.Count == 0) return new HashSet<BlobAddress>();
        try
        {
            return await new StorageClient(http.CreateClient(nameof(WorkerExchange))).WhichExistAsync(results, ct);
        }
        catch (Exception e) when (e is StorageException or HttpRequestException || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            SchedulerLog.StorageUnreachable(logger, options.Value.ResultStorageUrl, e);
            throw new TransientFailureException("storage", $"result storage at {options.Value.ResultStorageUrl}: {e.Message}", e);
        }
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The reports of one exchange and what became of each: contributions first, then failures, in request order.</summary>
    private sealed class Reports(string worker, IReadOnlyList<ReplicateContribution> contributions, IReadOnlyList<ReplicateFailure> failures)
    {
        private readonly ReportOutcome?[] _outcomes = new ReportOutcome?[contributions.Count + failures.Count];
        private readonly (Hash32 Digest, byte[] Signature, ChainLink? Chain)[] _parsed = new (Hash32, byte[], ChainLink?)[contributions.Count];

        public string Worker => worker;

        public int Count => _outcomes.Length;

        /// <summary>Every worker that already contributed to the reported tasks: their standings weigh the consensus.</summary>
        public List<string> Contributors { get; } = [];

        public sealed record Contribution(int Index, ReplicateContribution Item, Hash32 Digest, byte[] Signature, ChainLink? Chain);

        /// <summary>Where the result sits in the worker's result chain of the deal: the head before it, the signature after.</summary>
        public sealed record ChainLink(Hash32 Start, byte[] Signature);

        public sealed record Failure(int Index, ReplicateFailure Item);

        /// <summary>Refuses the malformed reports and the second report of a replicate named twice.</summary>
        public void CheckShapes()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < contributions.Count; i++)
            {
                var (id, r) = (contributions[i].ReplicateId, contributions[i].Report);
                if (id.Length > MaxReplicateIdLength) Refuse(i, 404, "unknown replicate");
                else if (!seen.Add(id)) Refuse(i, 400, $"replicate {Clip(id, MaxReplicateIdLength)} is reported twice in one exchange");
                else if (!Hash32.TryParse(r.Digest, out var digest) || digest.IsZero || r.Digest is not { Length: 66 }) Refuse(i, 400, "digest must be a 0x-prefixed sha256 (64 hex digits), not zero");
                else if (!TryHex(r.Signature, 65, out var signature)) Refuse(i, 400, "signature must be 65 bytes of 0x-prefixed hex");
                else if (!double.IsFinite(r.RunSeconds) || r.RunSeconds < 0) Refuse(i, 400, "runSeconds must be a finite number ≥ 0");
                else if (r.ChainStart is null != r.ChainSignature is null) Refuse(i, 400, "chainStart and chainSignature come together, or not at all");
                else if (r.ChainStart is not null && (r.ChainStart.Length != 66 || !Hash32.TryParse(r.ChainStart, out _))) Refuse(i, 400, "chainStart must be 32 bytes of 0x-prefixed hex");
                else if (r.ChainSignature is not null && !TryHex(r.ChainSignature, 65, out _)) Refuse(i, 400, "chainSignature must be 65 bytes of 0x-prefixed hex");
                else if (r.LogsDigest is null != r.LogsSignature is null) Refuse(i, 400, "logsDigest and logsSignature come together, or not at all");
                else if (r.LogsDigest is not null && (r.LogsDigest is not { Length: 66 } || !r.LogsDigest.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || !Hash32.TryParse(r.LogsDigest, out _)))
                    Refuse(i, 400, "logsDigest must be a 0x-prefixed sha256 (64 hex digits)");
                else if (r.LogsSignature is not null && !TryHex(r.LogsSignature, 65, out _)) Refuse(i, 400, "logsSignature must be 65 bytes of 0x-prefixed hex");
                else _parsed[i] = (digest, signature, r.ChainStart is null ? null : new ChainLink(Hash32.Parse(r.ChainStart), Convert.FromHexString(r.ChainSignature!.AsSpan(2))));
            }
            for (var i = 0; i < failures.Count; i++)
            {
                var index = contributions.Count + i;
                if (failures[i].ReplicateId.Length > MaxReplicateIdLength) Refuse(index, 404, "unknown replicate");
                else if (!seen.Add(failures[i].ReplicateId)) Refuse(index, 400, $"replicate {Clip(failures[i].ReplicateId, MaxReplicateIdLength)} is reported twice in one exchange");
                else if (string.IsNullOrEmpty(failures[i].Report.Kind)) Refuse(index, 400, "kind is required");
            }
        }

        /// <summary>Refuses the report unless the replicate exists and is this worker's.</summary>
        public bool CheckOwner(int index, ReplicateEntity? replicate)
        {
            var id = IdOf(index);
            if (replicate is null) Refuse(index, 404, $"unknown replicate {id}");
            else if (replicate.Worker != worker) Refuse(index, 403, $"replicate {id} belongs to another worker");
            return _outcomes[index] is null;
        }

        public void Refuse(int index, int status, string error) => _outcomes[index] = new ReportOutcome(IdOf(index), status, error);

        public void Record(int index) => _outcomes[index] = new ReportOutcome(IdOf(index), 200, null);

        public IEnumerable<Contribution> PendingContributions() =>
            Enumerable.Range(0, contributions.Count).Where(i => _outcomes[i] is null).Select(i => new Contribution(i, contributions[i], _parsed[i].Digest, _parsed[i].Signature, _parsed[i].Chain));

        public IEnumerable<Contribution> RecordedContributions() =>
            Enumerable.Range(0, contributions.Count).Where(i => _outcomes[i]?.Recorded == true).Select(i => new Contribution(i, contributions[i], _parsed[i].Digest, _parsed[i].Signature, _parsed[i].Chain));

        public IEnumerable<Failure> PendingFailures() =>
            Enumerable.Range(0, failures.Count).Where(i => _outcomes[contributions.Count + i] is null).Select(i => new Failure(contributions.Count + i, failures[i]));

        public IEnumerable<string> PendingIds() =>
            PendingContributions().Select(c => c.Item.ReplicateId).Concat(PendingFailures().Select(f => f.Item.ReplicateId));

        public List<ReportOutcome> Outcomes() => [.. _outcomes.Select((o, i) => o ?? new ReportOutcome(IdOf(i), 500, "not judged"))];

        private string IdOf(int index) => index < contributions.Count ? contributions[index].ReplicateId : failures[index - contributions.Count].ReplicateId;

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
    }
}
