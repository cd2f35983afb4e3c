using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Sandbox;
using Hearth.Storage;
using Hearth.Worker.State;
using Hearth.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Carries one replicate from assignment to its report: verify, download (not counted against the task's time), run in
/// the sandbox, upload the archive, sign. A failure at any step becomes a failure report that gives the replicate back.
/// The <see cref="WorkExchange"/> delivers either report.
/// </summary>
public sealed class ReplicateExecutor(
    WorkerOptions options,
    WorkerIdentity identity,
    AssetFetcher assets,
    SandboxRunner sandbox,
    ReportDelivery reports,
    WorkerLoad load,
    TimeProvider time,
    ILogger<ReplicateExecutor> logger)
{
    private const int StdoutTailBytes = 1024;
    private const int StderrInReasonBytes = 300;

    private readonly AppStager _apps = new(options,
        new AppTreeCache(Path.Combine(options.CacheFolder, "app-trees"), options.MaxAppTreeUnpackedBytes, options.MaxAppTreeEntries));

    private readonly TaskInputs _inputs = new(options, assets, time, logger);

    private DownloadLimit DatasetLimit => new(options.MaxDatasetBytes, $"{WorkerOptions.SectionName}:{nameof(WorkerOptions.MaxDatasetBytes)}");

    /// <summary>
    /// Runs the replicate to its end and returns it with its contribution or its failure. Cancellation (shutdown, or the
    /// scheduler cancelling it) throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<HeldReplicate> ExecuteAsync(HeldReplicate held, CancellationToken ct)
    {
        var assignment = held.Assignment;
        var work = Path.Combine(options.WorkFolder, "replicates", SafeFolderName(assignment.ReplicateId));
        using var deadline = new CancellationTokenSource(Until(assignment.Deadline), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            var taskId = AssignmentCheck.Verify(assignment, identity.Address, options.SchedulerAddress);
            var limits = AssignmentCheck.ToSandboxLimits(assignment.Limits, options);
            if (deadline.IsCancellationRequested)
                throw new ReplicateFailedException(FailureKinds.DeadlinePassed, $"the task's deadline {assignment.Deadline:O} had passed before the worker started it");
            WorkerLog.ReplicateStarted(logger, assignment.ReplicateId, assignment.TaskId);

            await using var stages = new StageReporter(reports, assignment.ReplicateId, options.ProgressReportDelay, time);
            await stages.EnterAsync(ProgressStages.Downloading, linked.Token);
            // A module, or a bundle: its manifest, module and read-only trees (each unpacked once, kept in the cache).
            var app = await _apps.StageAsync(assignment.App, FetchAsync, linked.Token);
            if (app.UnmetNeed(limits) is { } unmet)
                throw new ReplicateFailedException(FailureKinds.AppNeedsUnmet, $"app {assignment.App.Checksum}: {unmet}");
            var module = app.ModulePath;
            // The module compiles (or loads from the compiled-module cache) while the dataset downloads; the run then finds
            // it ready. A module that does not compile is reported by the run itself.
            var prepared = PrepareQuietlyAsync(module, limits, linked.Token);
            var input = assignment.Dataset is { } dataset ? await StageDatasetAsync(dataset, work, linked.Token) : null;
            input = await _inputs.StageAsync(assignment, input, work, linked.Token);
            await prepared;

            SandboxResult result;
            // The task's wall-time limit starts here, inside the sandbox, when the module starts: downloads are not counted.
            using (load.Enter())
            {
                await stages.EnterAsync(ProgressStages.Running, linked.Token);
                var archivePath = Path.Combine(Directory.CreateDirectory(work).FullName, "result.tar");
                File.Delete(archivePath); // left by a run before a restart
                result = await sandbox.RunAsync(new SandboxRequest
                {
                    // Streamed to a file of the replicate's folder (removed with it) and uploaded from there: never in memory.
                    ArchivePath = archivePath,
                    ModulePath = module,
                    Arguments = app.ArgumentsWith(assignment.Arguments),
                    Environment = app.EnvironmentWith(assignment.Environment),
                    InputPath = input,
                    ReadOnlyMounts = app.Mounts,
                    Limits = limits,
                }, linked.Token);
            }
            if (!result.Succeeded)
            {
                var kind = FailureKinds.Of(result.Failure);
                // Only the program's own failure is a result; the infrastructure's (the wall-time limit on a busy machine
                // too) gives the replicate back, to be run again.
                if (!AppFailure.Kinds.Contains(kind)) throw new ReplicateFailedException(kind, FailureReason(result));
                WorkerLog.ReplicateFailedByApp(logger, assignment.ReplicateId, kind);
                result = RecordFailure(new AppFailure(kind, result.ExitCode, result.StdoutTruncated, result.StderrTruncated), result, work, linked.Token);
            }

            await stages.EnterAsync(ProgressStages.Uploading, linked.Token);
            var digest = await UploadAsync(assignment, result, linked.Token);
            var signature = identity.SignContribution(taskId, digest);
            var (chainStart, chainSignature) = identity.SignInChain(Hash32.Parse(assignment.DealId), assignment.TaskIndex, digest);
            // A successful run's logs travel beside its result, signed (a failure record holds its own): not in the archive,
            // so a program whose logs differ between replicas (it prints the time) still reaches consensus.
            var logs = result.Succeeded ? await UploadLogsAsync(assignment, taskId, digest, result, linked.Token) : null;
            var contribution = new ContributionReport(digest.ToString(), "0x" + Convert.ToHexStringLower(signature),
                result.ExitCode ?? 0, result.FuelConsumed is { } fuel ? (long)fuel : null, result.WallTime.TotalSeconds, Tail(result.Stdout, StdoutTailBytes),
                chainStart.ToString(), "0x" + Convert.ToHexStringLower(chainSignature), logs?.Digest.ToString(), logs is { } l ? "0x" + Convert.ToHexStringLower(l.Signature) : null);
            return held with { Contribution = contribution };
        }
        catch (ReplicateFailedException e)
        {
            return Failed(held, e.Kind, e.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return Failed(held, FailureKinds.DeadlinePassed, $"the task's deadline {assignment.Deadline:O} passed before the worker could contribute");
        }
        finally
        {
            RemoveFolder(work);
        }
    }

    /// <summary>
    /// A run that failed by the program's own doing leaves its failure record as its result (<see cref="AppFailure"/>):
    /// the record and the captured stdout and stderr, packed like any result in place of /out, which is dropped.
    /// </summary>
    private SandboxResult RecordFailure(AppFailure failure, SandboxResult result, string work, CancellationToken ct)
    {
        var root = Path.Combine(work, "failure");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var record = Directory.CreateDirectory(Path.Combine(root, AppFailure.Folder)).FullName;
        File.WriteAllBytes(Path.Combine(record, AppFailure.StatusFile), failure.ToJson());
        File.WriteAllBytes(Path.Combine(record, AppFailure.StdoutFile), result.Stdout);
        File.WriteAllBytes(Path.Combine(record, AppFailure.StderrFile), result.Stderr);
        var archivePath = Path.Combine(work, "result.tar");
        File.Delete(archivePath);
        var (length, sha256) = sandbox.Pack(root, archivePath, ct);
        return result with { OutputArchive = [], OutputArchivePath = archivePath, OutputArchiveLength = length, OutputArchiveSha256 = sha256 };
    }

    /// <summary>Compiles ahead; never fails the replicate (the run compiles itself if this did not).</summary>
    private async Task PrepareQuietlyAsync(string module, Hearth.Sandbox.SandboxLimits limits, CancellationToken ct)
    {
        try
        {
            await sandbox.PrepareAsync(module, limits, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            WorkerLog.PrepareFailed(logger, module, e.Message);
        }
    }

    /// <summary>The replicate with the failure report that gives it back.</summary>
    public HeldReplicate Failed(HeldReplicate held, string kind, string reason)
    {
        WorkerLog.ReplicateFailed(logger, held.ReplicateId, kind, reason);
        return held with { Failure = new FailureReport(kind, reason) };
    }

    private async Task<string> FetchAsync(AssetRef asset, string what, DownloadLimit limit, CancellationToken ct)
    {
        var location = AssetLocation.Resolve(asset, new Uri(options.StorageUrl));
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        for (var attempt = 1; ; attempt++)
        {
            // The reasons below go to the scheduler, which may show them: they carry the download's own words (host, HTTP
            // status, limit), never what the remote sent.
            try
            {
                return await assets.FetchAsync(asset, location, what, limit, ct);
            }
            catch (DownloadException e) when (e.Failure == DownloadFailure.NotFound)
            {
                throw new ReplicateFailedException(FailureKinds.Download, $"{what} {asset.Checksum} is not in storage: {e.Message}", e);
            }
            catch (DownloadException e) when (!e.Retryable)
            {
                throw new ReplicateFailedException(FailureKinds.Download, $"{what} {asset.Checksum} could not be downloaded: {e.Message}", e);
            }
            catch (DownloadException e)
            {
                if (attempt >= options.DownloadAttempts)
                    throw new ReplicateFailedException(FailureKinds.Download, $"{what} {asset.Checksum} could not be downloaded after {attempt} attempt{(attempt == 1 ? "" : "s")}: {e.Message}", e);
                WorkerLog.DownloadRetrying(logger, what, asset.Checksum, attempt, e.LocalDetail is null ? e.Message : $"{e.Message} ({e.LocalDetail})");
                await backoff.WaitAsync(ct);
            }
        }
    }

    /// <summary>
    /// The dataset, in a folder of its own shown as /in (<see cref="DatasetInput"/>): a tar (gzip-compressed or not) is
    /// unpacked there, within the limits; any other file keeps the name its location gives, or "dataset".
    /// </summary>
    private async Task<string> StageDatasetAsync(AssetRef dataset, string work, CancellationToken ct)
    {
        var cached = await FetchAsync(dataset, "dataset", DatasetLimit, ct);
        var name = AssetLocation.Resolve(dataset, new Uri(options.StorageUrl)).FileName;
        var input = Path.GetFullPath(Path.Combine(work, "in"));
        await DatasetInput.StageAsync(cached, name, input, dataset.Checksum, options.MaxDatasetUnpackedBytes, options.MaxDatasetEntries, ct);
        return input;
    }

    private async Task<Hash32> UploadAsync(Assignment assignment, SandboxResult result, CancellationToken ct)
    {
        var storage = string.IsNullOrWhiteSpace(assignment.ResultStorageUrl) ? options.StorageUrl : assignment.ResultStorageUrl;
        if (!Uri.TryCreate(storage, UriKind.Absolute, out var storageUrl) || storageUrl.Scheme is not ("http" or "https"))
            throw new ReplicateFailedException(FailureKinds.InvalidAssignment, $"invalid assignment: result storage '{assignment.ResultStorageUrl}' is not an http(s) URL");
        var client = assets.ClientFor(storageUrl.AbsoluteUri.EndsWith('/') ? storageUrl : new Uri(storageUrl.AbsoluteUri + "/"));
        // The sha256 was computed while the archive was written; the storage checks the bytes against it.
        var expected = result.OutputArchiveSha256 is { } sha256 ? BlobAddress.Parse(sha256) : BlobAddress.Compute(result.OutputArchive);
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using Stream archive = result.OutputArchivePath is { } path
                    ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan)
                    : new MemoryStream(result.OutputArchive, writable: false);
                var stored = await client.PutAsync(archive, expected, ct);
                if (stored != expected)
                    throw new ReplicateFailedException(FailureKinds.Upload, $"result storage at {storageUrl} stored the archive as {stored}, not {expected}");
                return new Hash32(Convert.FromHexString(expected.Hex));
            }
            catch (StorageException e)
            {
                if (attempt >= options.DownloadAttempts)
                    throw new ReplicateFailedException(FailureKinds.Upload, $"result archive {expected} could not be uploaded to {storageUrl} after {attempt} attempts: {e.Message}", e);
                WorkerLog.UploadRetrying(logger, expected.Hex, attempt, e.Message);
                await backoff.WaitAsync(ct);
            }
        }
    }

    /// <summary>
    /// Stores the run's <see cref="RunLogs"/> in the result storage and signs them (RunLogs(task, result, logs)). The
    /// logs are not the result: when they cannot be stored after <see cref="WorkerOptions.DownloadAttempts"/>, the result
    /// is contributed without them (null), rather than given back.
    /// </summary>
    private async Task<(Hash32 Digest, byte[] Signature)?> UploadLogsAsync(Assignment assignment, Hash32 taskId, Hash32 result, SandboxResult run, CancellationToken ct)
    {
        var blob = new RunLogs(run.Stdout, run.StdoutTruncated, run.Stderr, run.StderrTruncated).ToJson();
        var expected = BlobAddress.Compute(blob);
        var storage = string.IsNullOrWhiteSpace(assignment.ResultStorageUrl) ? options.StorageUrl : assignment.ResultStorageUrl;
        var client = assets.ClientFor(new Uri(storage.EndsWith('/') ? storage : storage + "/"));
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new MemoryStream(blob, writable: false);
                var stored = await client.PutAsync(content, expected, ct);
                if (stored != expected) throw new StorageException($"the storage stored the logs as {stored}, not {expected}");
                var digest = new Hash32(Convert.FromHexString(expected.Hex));
                return (digest, identity.SignRunLogs(taskId, result, digest));
            }
            catch (StorageException e)
            {
                if (attempt >= options.DownloadAttempts)
                {
                    WorkerLog.LogsNotStored(logger, assignment.ReplicateId, e.Message);
                    return null;
                }
                await backoff.WaitAsync(ct);
            }
        }
    }

    private TimeSpan Until(DateTimeOffset deadline)
    {
        var left = deadline - time.GetUtcNow();
        if (left <= TimeSpan.Zero)
            return TimeSpan.Zero;
        // CancellationTokenSource takes at most about 49 days.
        return left > TimeSpan.FromDays(30) ? TimeSpan.FromDays(30) : left;
    }

    private static string FailureReason(SandboxResult result)
    {
        var reason = result.FailureReason ?? result.Failure.ToString();
        return result.Stderr.Length > 0 ? $"{reason}; stderr: {Tail(result.Stderr, StderrInReasonBytes)}" : reason;
    }

    private static string? Tail(byte[] bytes, int max) =>
        bytes.Length == 0 ? null : Encoding.UTF8.GetString(bytes, Math.Max(0, bytes.Length - max), Math.Min(max, bytes.Length)).Trim();

    /// <summary>Replicate ids come from the scheduler: only letters, digits, '-' and '_' reach the file system.</summary>
    private static string SafeFolderName(string replicateId)
    {
        var safe = new string([.. replicateId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        return safe == replicateId && safe.Length <= 100 ? safe : Convert.ToHexStringLower(Hash32.Sha256(Encoding.UTF8.GetBytes(replicateId)).Span[..16]);
    }

    private void RemoveFolder(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WorkerLog.FolderNotRemoved(logger, path, e);
        }
    }
}
