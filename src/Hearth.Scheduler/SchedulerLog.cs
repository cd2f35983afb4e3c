using Microsoft.Extensions.Logging;

namespace Hearth.Scheduler;

/// <summary>Source-generated log messages of the scheduler role; event ids 4300-4399 belong to Hearth.Scheduler.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(EventId = 4300, Level = LogLevel.Information, Message = "Scheduler of workerpool {Workerpool} serving at {BaseUrl}")]
    public static partial void ServerStarted(ILogger logger, string workerpool, Uri baseUrl);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Deal {DealId} ingested: {Volume} task(s), trust {Trust}, block {Block}")]
    public static partial void DealIngested(ILogger logger, string dealId, uint volume, uint trust, long block);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "Deal {DealId} refused: {Reason}")]
    public static partial void DealRefused(ILogger logger, string dealId, string reason);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Information, Message = "Deal {DealId} reappeared in block {Block} after a reorganisation")]
    public static partial void DealRestored(ILogger logger, string dealId, long block);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Warning, Message = "Chain reorganised under cursor block {Cursor}: rewound to block {Fork}, {Deals} deal(s) suspended")]
    public static partial void Reorganised(ILogger logger, long cursor, long fork, int deals);

    [LoggerMessage(EventId = 4305, Level = LogLevel.Debug, Message = "Replicate {ReplicateId} of task {TaskId} placed on {Worker}")]
    public static partial void ReplicateAssigned(ILogger logger, string replicateId, string taskId, string worker);

    [LoggerMessage(EventId = 4306, Level = LogLevel.Warning, Message = "Replicate {ReplicateId} abandoned: worker {Worker} stopped heart-beating")]
    public static partial void ReplicateAbandoned(ILogger logger, string replicateId, string worker);

    [LoggerMessage(EventId = 4307, Level = LogLevel.Information, Message = "{Count} task(s) failed: deadline passed")]
    public static partial void TasksExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 4308, Level = LogLevel.Information, Message = "Worker {Worker} logged in")]
    public static partial void WorkerLoggedIn(ILogger logger, string worker);

    // No digest: a result stays secret until its task is settled on chain, in logs too.
    [LoggerMessage(EventId = 4309, Level = LogLevel.Debug, Message = "Replicate {ReplicateId}: worker {Worker} contributed")]
    public static partial void Contributed(ILogger logger, string replicateId, string worker);

    [LoggerMessage(EventId = 4310, Level = LogLevel.Information, Message = "Settled {Count} task(s) of deal {DealId} in {TxHash} ({Gas} gas)")]
    public static partial void Settled(ILogger logger, int count, string dealId, string txHash, long gas);

    [LoggerMessage(EventId = 4311, Level = LogLevel.Warning, Message = "Settlement batch of deal {DealId} refused: {Reason}; settling its tasks one by one")]
    public static partial void BatchRefused(ILogger logger, string dealId, string reason);

    [LoggerMessage(EventId = 4312, Level = LogLevel.Warning, Message = "Settlement of task {TaskId} refused: {Reason}")]
    public static partial void SettlementRefused(ILogger logger, string taskId, string reason);

    [LoggerMessage(EventId = 4313, Level = LogLevel.Warning, Message = "Settlement of deal {DealId} not confirmed")]
    public static partial void SettlementFailed(ILogger logger, string dealId, Exception exception);

    [LoggerMessage(EventId = 4314, Level = LogLevel.Information, Message = "{Count} task(s) were settling at start-up; {Done} found done on chain")]
    public static partial void SettlementRecovered(ILogger logger, int count, int done);

    [LoggerMessage(EventId = 4315, Level = LogLevel.Warning, Message = "The {Loop} failed ({Failures} time(s) in a row); retrying")]
    public static partial void LoopFailed(ILogger logger, string loop, int failures, Exception exception);

    [LoggerMessage(EventId = 4316, Level = LogLevel.Debug, Message = "Placement round conflicted with another writer; deciding again next round")]
    public static partial void PlacementConflict(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4317, Level = LogLevel.Warning, Message = "Result storage unreachable at {Url}")]
    public static partial void StorageUnreachable(ILogger logger, string url, Exception exception);

    [LoggerMessage(EventId = 4318, Level = LogLevel.Information, Message = "Settlement of deal {DealId}: {Deferred} task(s) left for a later batch, their workers' stakes back no more in this one; {Rejudged} judged again without unbacked contributions")]
    public static partial void SettlementHeldBack(ILogger logger, string dealId, int deferred, int rejudged);

    [LoggerMessage(EventId = 4340, Level = LogLevel.Information, Message = "{Count} settling task(s) checked on chain: {Settled} settled, {Resent} to send again, {Failed} failed")]
    public static partial void SettlementReconciled(ILogger logger, int count, int settled, int resent, int failed);

    [LoggerMessage(EventId = 4342, Level = LogLevel.Warning, Message = "{Tasks} settled task(s) reopened: the block of their settlement is no longer on the chain ({Blocks} block(s) reorganised away)")]
    public static partial void SettlementReorganised(ILogger logger, int tasks, int blocks);

    [LoggerMessage(EventId = 4341, Level = LogLevel.Warning, Message = "Task {TaskId} given up after {Replicates} replicates")]
    public static partial void ReplicatesExhausted(ILogger logger, string taskId, int replicates);
}
