using Microsoft.Extensions.Logging;

namespace Hearth.Worker;

/// <summary>Source-generated log messages of the worker role; event ids 6000-6099 belong to Hearth.Worker.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Worker {Worker} starting: scheduler {SchedulerUrl}, {Slots} slots")]
    public static partial void Starting(ILogger logger, string worker, Uri schedulerUrl, int slots);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Worker {Worker} logged in at {SchedulerUrl} (scheduler {Scheduler}, token until {ExpiresAt})")]
    public static partial void LoggedIn(ILogger logger, string worker, Uri schedulerUrl, string scheduler, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Scheduler at {SchedulerUrl} refused the token; logging in again")]
    public static partial void TokenRefused(ILogger logger, Uri schedulerUrl);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Heartbeat failed; retrying in {Delay}: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Could not ask for work; retrying in {Delay}: {Reason}")]
    public static partial void WorkRequestFailed(ILogger logger, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Ignored assignment of replicate {ReplicateId}: no id, or already running")]
    public static partial void AssignmentIgnored(ILogger logger, string replicateId);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Could not read heat telemetry; the heartbeat goes without it")]
    public static partial void TelemetryFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Replicate {ReplicateId} of task {TaskId} started")]
    public static partial void ReplicateStarted(ILogger logger, string replicateId, string taskId);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "Replicate {ReplicateId} of task {TaskId} contributed digest {Digest}")]
    public static partial void Contributed(ILogger logger, string replicateId, string taskId, string digest);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Replicate {ReplicateId} given back ({Kind}): {Reason}")]
    public static partial void ReplicateFailed(ILogger logger, string replicateId, string kind, string reason);

    [LoggerMessage(EventId = 6027, Level = LogLevel.Debug, Message = "Compiling {Module} ahead failed ({Reason}); the run compiles it")]
    public static partial void PrepareFailed(ILogger logger, string module, string reason);

    [LoggerMessage(EventId = 6016, Level = LogLevel.Information, Message = "Replicate {ReplicateId}: the program failed ({Kind}); its failure record is the result")]
    public static partial void ReplicateFailedByApp(ILogger logger, string replicateId, string kind);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Information, Message = "Replicate {ReplicateId} cancelled by the scheduler")]
    public static partial void CancelledByScheduler(ILogger logger, string replicateId);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Error, Message = "Replicate {ReplicateId} failed inside the worker; giving it back")]
    public static partial void ReplicateCrashed(ILogger logger, string replicateId, Exception exception);

    [LoggerMessage(EventId = 6015, Level = LogLevel.Information, Message = "Replicate {ReplicateId} held before the restart: {Resume}")]
    public static partial void Restored(ILogger logger, string replicateId, bool resume);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Warning, Message = "Download of {What} {Checksum} failed (attempt {Attempt}); retrying: {Reason}")]
    public static partial void DownloadRetrying(ILogger logger, string what, string checksum, int attempt, string reason);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Warning, Message = "Download from {Authority} answered {Status}; its body starts: {BodyStart}")]
    public static partial void DownloadErrorAnswer(ILogger logger, string authority, int status, string bodyStart);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Information, Message = "Download of blob {Address} from {Authority} cancelled: no replicate waits for it any more")]
    public static partial void DownloadAbandoned(ILogger logger, string address, string authority);

    [LoggerMessage(EventId = 6024, Level = LogLevel.Information, Message = "Downloaded blob {Address} from {Authority} ({Bytes} bytes)")]
    public static partial void Downloaded(ILogger logger, string address, string authority, long bytes);

    [LoggerMessage(EventId = 6025, Level = LogLevel.Warning, Message = "Cached blob {Address} no longer matches its sha256; downloading it again")]
    public static partial void CachedBlobCorrupted(ILogger logger, string address);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Upload of result {Digest} failed (attempt {Attempt}); retrying: {Reason}")]
    public static partial void UploadRetrying(ILogger logger, string digest, int attempt, string reason);

    [LoggerMessage(EventId = 6026, Level = LogLevel.Warning, Message = "Logs of replicate {ReplicateId} could not be stored; contributing without them: {Reason}")]
    public static partial void LogsNotStored(ILogger logger, string replicateId, string reason);

    [LoggerMessage(EventId = 6030, Level = LogLevel.Debug, Message = "Progress {Stage} of replicate {ReplicateId} not delivered: {Reason}")]
    public static partial void ProgressNotDelivered(ILogger logger, string replicateId, string stage, string reason);

    [LoggerMessage(EventId = 6031, Level = LogLevel.Warning, Message = "Scheduler refused the {What} of replicate {ReplicateId}: {Reason}")]
    public static partial void ReportRefused(ILogger logger, string what, string replicateId, string reason);

    [LoggerMessage(EventId = 6032, Level = LogLevel.Warning, Message = "Sending {Count} report(s) failed; retrying in {Delay}: {Reason}")]
    public static partial void ReportsRetrying(ILogger logger, int count, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 6033, Level = LogLevel.Error, Message = "Gave up sending the {What} of replicate {ReplicateId}, its deadline is near or past: {Reason}")]
    public static partial void ReportAbandoned(ILogger logger, string what, string replicateId, string reason);

    [LoggerMessage(EventId = 6040, Level = LogLevel.Warning, Message = "State file {Path} is unreadable; starting with nothing held")]
    public static partial void StateUnreadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 6041, Level = LogLevel.Warning, Message = "State file {Path} belongs to {Owner}, not to worker {Worker}; ignored")]
    public static partial void StateOfAnotherWorker(ILogger logger, string path, string owner, string worker);

    [LoggerMessage(EventId = 6042, Level = LogLevel.Warning, Message = "Could not remove work folder {Path}")]
    public static partial void FolderNotRemoved(ILogger logger, string path, Exception exception);
}
