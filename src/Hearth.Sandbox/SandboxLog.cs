using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox;

internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Sandbox run of module {ModuleSha256} starting {Where} with {MemoryBytes} B memory, {WallTime} wall time, fuel {Fuel}")]
    public static partial void RunStarting(ILogger logger, string moduleSha256, SandboxIsolation where, long memoryBytes, TimeSpan wallTime, ulong? fuel);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Sandbox run of module {ModuleSha256} ({ModuleSource}) succeeded in {ElapsedMs} ms, archive {ArchiveSha256}")]
    public static partial void RunSucceeded(ILogger logger, string moduleSha256, ModuleSource moduleSource, long elapsedMs, string? archiveSha256);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Sandbox run of module {ModuleSha256} failed after {ElapsedMs} ms: {Failure}: {Reason}")]
    public static partial void RunFailed(ILogger logger, string moduleSha256, long elapsedMs, SandboxFailureKind failure, string? reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Sandbox run of module {ModuleSha256} cancelled")]
    public static partial void RunCancelled(ILogger logger, string moduleSha256);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Compiled module {ModuleSha256} ({SizeBytes} B) in {ElapsedMs} ms")]
    public static partial void ModuleCompiled(ILogger logger, string moduleSha256, int sizeBytes, long elapsedMs);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Discarding unreadable cached module {Path}")]
    public static partial void CacheFileDiscarded(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Could not write cached module {Path}")]
    public static partial void CacheFileNotWritten(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Could not remove sandbox work folder {Path}")]
    public static partial void WorkFolderNotRemoved(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "Could not empty sandbox work folder {Path} for the next run; removing it")]
    public static partial void WorkFolderNotEmptied(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Warning, Message = "Sandbox host {ProcessId}: the kernel refused resource limits {Limits}")]
    public static partial void HostLimitsRefused(ILogger logger, int processId, string limits);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Debug, Message = "Sandbox host {ProcessId} started")]
    public static partial void HostStarted(ILogger logger, int processId);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Warning, Message = "Sandbox host {ProcessId} failed during a run: {Reason}")]
    public static partial void HostFailed(ILogger logger, int processId, string reason);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "Sandbox host {ProcessId}: {Line}")]
    public static partial void HostSaid(ILogger logger, int processId, string line);

    [LoggerMessage(EventId = 3033, Level = LogLevel.Warning, Message = "Could not start a spare sandbox host")]
    public static partial void HostNotStarted(ILogger logger, Exception exception);
}
