namespace Hearth.Scheduler.Persistence;

/// <summary>One recorded status change (or a new explanation of an unchanged status), so a user can always see why.</summary>
public sealed class StatusChangeEntity
{
    public long Id { get; set; }

    /// <summary>"deal", "task", "replicate" or "worker".</summary>
    public string Entity { get; set; } = "";
    public string EntityId { get; set; } = "";
    public string? From { get; set; }
    public string To { get; set; } = "";
    public string Reason { get; set; } = "";
    public long AtMs { get; set; }
}
