using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Storage;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>
/// Places a task's own input files (<see cref="Assignment.Inputs"/>, from its deal's input list) in its input folder,
/// shown read-only as /in beside the dataset. Each is fetched from its URL by the <see cref="AssetFetcher"/> (the address
/// policy, the idle and total timeouts, the task's deadline), read up to its declared size and at most
/// <see cref="WorkerOptions.MaxDatasetBytes"/> (all of a task's files together too), and checked against its sha256.
/// Names come from outside: each must be a plain file name (<see cref="InputFile.IsSafeName"/>), and none may replace
/// an entry of the dataset.
/// </summary>
internal sealed class TaskInputs(WorkerOptions options, AssetFetcher assets, TimeProvider time, ILogger logger)
{
    private const string CapSetting = WorkerOptions.SectionName + ":" + nameof(WorkerOptions.MaxDatasetBytes);

    /// <summary>
    /// The input folder with the task's files added: <paramref name="input"/> (the staged dataset) or a new folder of
    /// <paramref name="work"/>; <paramref name="input"/> unchanged when the task has no files. Throws
    /// <see cref="ReplicateFailedException"/>.
    /// </summary>
    public async Task<string?> StageAsync(Assignment assignment, string? input, string work, CancellationToken ct)
    {
        var files = assignment.Inputs;
        if (files is null || files.Count == 0) return input;
        Check(files);
        var folder = input ?? Path.GetFullPath(Path.Combine(work, "in"));
        if (input is null)
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // left by a run before a restart
            Directory.CreateDirectory(folder);
        }
        long total = 0;
        foreach (var file in files)
        {
            var target = Path.Combine(folder, file.Name);
            if (File.Exists(target) || Directory.Exists(target))
                throw new ReplicateFailedException(FailureKinds.InvalidAssignment, $"invalid assignment: input file '{file.Name}' has the name of an entry of the dataset");
            var cached = await FetchAsync(file, ct);
            total += new FileInfo(cached).Length;
            if (total > options.MaxDatasetBytes)
                throw new ReplicateFailedException(FailureKinds.Download, $"the task's input files add up to more than {CapSetting} ({options.MaxDatasetBytes} bytes)");
            File.Copy(cached, target);
        }
        return folder;
    }

    /// <summary>The scheduler checked the list; the worker checks again what reaches its file system.</summary>
    private void Check(IReadOnlyList<InputFile> files)
    {
        if (files.Count > TaskInputList.MaxFilesPerTask)
            throw new ReplicateFailedException(FailureKinds.InvalidAssignment, $"invalid assignment: {files.Count} input files (at most {TaskInputList.MaxFilesPerTask})");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            var problem = file is null ? "missing" : file.Problem();
            if (problem is not null)
                throw new ReplicateFailedException(FailureKinds.InvalidAssignment, $"invalid assignment: input file {problem}");
            if (!names.Add(file!.Name))
                throw new ReplicateFailedException(FailureKinds.InvalidAssignment, $"invalid assignment: input file '{file.Name}' is named twice");
        }
        var declared = files.Sum(f => f.Size ?? 0);
        if (declared > options.MaxDatasetBytes)
            throw new ReplicateFailedException(FailureKinds.Download, $"the task's input files declare {declared} bytes, more than {CapSetting} ({options.MaxDatasetBytes} bytes)");
    }

    private async Task<string> FetchAsync(InputFile file, CancellationToken ct)
    {
        var url = new Uri(file.Url);
        var expected = BlobAddress.Parse(file.Sha256[2..]);
        var limit = file.Size is { } size && size < options.MaxDatasetBytes
            ? new DownloadLimit(size, $"the size the input list declares for '{file.Name}'")
            : new DownloadLimit(options.MaxDatasetBytes, CapSetting);
        var what = $"input file '{file.Name}'";
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay, time);
        for (var attempt = 1; ; attempt++)
        {
            // The reasons carry the download's own words (host, status, limit), never what the remote sent.
            try
            {
                return await assets.FetchAsync(url, expected, what, limit, ct);
            }
            catch (DownloadException e) when (!e.Retryable || attempt >= options.DownloadAttempts)
            {
                throw new ReplicateFailedException(FailureKinds.Download,
                    $"{what} ({file.Sha256}) could not be downloaded{(attempt > 1 ? $" after {attempt} attempts" : "")}: {e.Message}", e);
            }
            catch (DownloadException e)
            {
                WorkerLog.DownloadRetrying(logger, what, file.Sha256, attempt, e.LocalDetail is null ? e.Message : $"{e.Message} ({e.LocalDetail})");
                await backoff.WaitAsync(ct);
            }
        }
    }
}
