using Hearth.Chain.Market;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Sandbox;
using Hearth.Storage;
using Hearth.Storage.Client;

namespace Hearth.Network.Requesting;

/// <summary>Logs as shown: <paramref name="Source"/> is "beside-result" (signed by <paramref name="Worker"/>) or "failure-record" (certified).</summary>
public sealed record RunLogsView(long Task, string Result, string Source, string? Worker, string? LogsDigest, string Stdout, bool StdoutTruncated, string Stderr, bool StderrTruncated);

/// <summary>A settled task's logs, verified: from a logs blob beside the result (its sha256 and its worker's RunLogs signature
/// checked), or from the certified failure record itself (<see cref="FromFailureRecord"/>; then no worker nor digest).</summary>
public sealed record VerifiedRunLogs(long Task, Hash32 Result, RunLogs Logs, bool FromFailureRecord, string? Worker = null, Hash32? LogsDigest = null);

/// <summary>
/// Fetches the logs of a settled task. The scheduler says which replicates contributed and the address and signature of
/// their logs (shown only once the task is settled); the chain says the certified digest and where results are stored.
/// Nothing the scheduler or the storage says is trusted: a blob is kept only if its sha256 is the logs digest and the
/// RunLogs(task, certified result, logs) signature recovers to the replicate's worker.
/// </summary>
public static class RunLogsReader
{
    /// <summary>The logs beside the certified result, from the first agreeing replicate whose logs verify; null when none sent
    /// any. Throws <see cref="InvalidOperationException"/> when some were announced and none verified.</summary>
    public static async Task<VerifiedRunLogs?> BesideResultAsync(HearthClient chain, SchedulerReader scheduler, Hash32 dealId, long task, Hash32 certified,
        IReadOnlyList<string> locations, CancellationToken ct)
    {
        var taskId = Ids.TaskId(dealId, task);
        var view = await scheduler.TaskAsync(taskId.ToString(), ct);
        if (view is null) return null;
        var problems = new List<string>();
        foreach (var r in view.Replicates)
        {
            if (r.Digest is null || !Hash32.TryParse(r.Digest, out var digest) || digest != certified) continue;
            if (r.LogsDigest is null || r.LogsSignature is null) continue;
            if (!Hash32.TryParse(r.LogsDigest, out var logsDigest) || !TryHex(r.LogsSignature, out var signature))
            {
                problems.Add($"worker {r.Worker}: malformed logs digest or signature");
                continue;
            }
            var signer = RunLogsSigning.RecoverWorker(chain.Domain, taskId, certified, logsDigest, signature);
            if (signer is null || !Addresses.AreEqual(signer, r.Worker))
            {
                problems.Add($"worker {r.Worker}: the logs signature recovers to {signer ?? "nothing"}, not to the worker");
                continue;
            }
            var (blob, problem) = await FetchAsync(locations, logsDigest, ct);
            if (blob is null)
            {
                problems.Add($"worker {r.Worker}: {problem}");
                continue;
            }
            if (RunLogs.Parse(blob) is not { } logs)
            {
                problems.Add($"worker {r.Worker}: logs blob {logsDigest.ToPlainHex()} is not a logs record");
                continue;
            }
            return new VerifiedRunLogs(task, certified, logs, false, r.Worker, logsDigest);
        }
        return problems.Count == 0 ? null
            : throw new InvalidOperationException($"no logs of task {task} could be verified: {string.Join("; ", problems)}");
    }

    /// <summary>The logs of a certified failure record (<see cref="AppFailure"/>) in an unpacked result folder; null when it is not one.</summary>
    public static VerifiedRunLogs? OfFailureRecord(long task, Hash32 certified, string resultFolder) =>
        RunLogs.OfFailureRecord(resultFolder) is { } logs ? new VerifiedRunLogs(task, certified, logs, true) : null;

    /// <summary>Downloads a certified result (checked against its digest) and unpacks it in a folder of its own.</summary>
    public static async Task<string> UnpackResultAsync(IReadOnlyList<string> locations, Hash32 certified, string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var archive = Path.Combine(folder, "result.tar");
        Exception? last = null;
        foreach (var location in locations)
        {
            try
            {
                await new StorageClient(StorageClient.CreateHttpClient(StorageBase(location))).DownloadAsync(BlobAddress.Parse(certified.ToPlainHex()), archive, ct);
                var target = Path.Combine(folder, "result");
                await ResultArchive.ExtractAsync(archive, target, ResultArchiveLimits.Default, ct);
                return target;
            }
            catch (StorageException e)
            {
                last = e;
            }
        }
        throw new InvalidOperationException($"result {certified.ToPlainHex()} could not be fetched from {string.Join(", ", locations)}: {last?.Message}", last);
    }

    private static async Task<(byte[]? Blob, string? Problem)> FetchAsync(IReadOnlyList<string> locations, Hash32 logsDigest, CancellationToken ct)
    {
        var problem = "no result location";
        foreach (var location in locations)
        {
            try
            {
                var storage = new StorageClient(StorageClient.CreateHttpClient(StorageBase(location)));
                await using var stream = await storage.OpenReadAsync(BlobAddress.Parse(logsDigest.ToPlainHex()), ct: ct);
                using var buffer = new MemoryStream();
                var chunk = new byte[1 << 16];
                int read;
                while ((read = await stream.ReadAsync(chunk, ct)) > 0)
                {
                    buffer.Write(chunk, 0, read);
                    if (buffer.Length > RunLogs.MaxBlobBytes) throw new StorageException($"logs blob {logsDigest.ToPlainHex()} is larger than {RunLogs.MaxBlobBytes} B");
                }
                var blob = buffer.ToArray();
                if (Hash32.Sha256(blob) != logsDigest) throw new StorageException($"{location} answered bytes whose sha256 is not {logsDigest.ToPlainHex()}");
                return (blob, null);
            }
            catch (StorageException e)
            {
                problem = e.Message;
            }
            catch (HttpRequestException e)
            {
                problem = $"{location}: {e.Message}";
            }
        }
        return (null, problem);
    }

    private static bool TryHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != 132 || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            bytes = Convert.FromHexString(text.AsSpan(2));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>How `hearth task logs --json` and task-N.logs.json show logs: text (UTF-8), truncation flags, who signed them.</summary>
    public static RunLogsView ToView(VerifiedRunLogs logs) => new(logs.Task, logs.Result.ToPlainHex(), logs.FromFailureRecord ? "failure-record" : "beside-result",
        logs.Worker, logs.LogsDigest?.ToPlainHex(), logs.Logs.StdoutText, logs.Logs.StdoutTruncated, logs.Logs.StderrText, logs.Logs.StderrTruncated);

    public static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A result location is a storage's base URL, optionally followed by /blobs/.</summary>
    internal static Uri StorageBase(string location)
    {
        var trimmed = location.TrimEnd('/');
        if (trimmed.EndsWith("/blobs", StringComparison.Ordinal)) trimmed = trimmed[..^"/blobs".Length];
        return new Uri(trimmed + "/");
    }
}
