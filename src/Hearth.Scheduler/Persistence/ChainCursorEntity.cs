namespace Hearth.Scheduler.Persistence;

/// <summary>The last block the watcher processed and its hash: a different hash at that height means a reorganisation.</summary>
public sealed class ChainCursorEntity
{
    public string Name { get; set; } = "";
    public long Block { get; set; }
    public string Hash { get; set; } = "";
    public long UpdatedAtMs { get; set; }
}

/// <summary>Earlier cursor positions, to find the fork point after a reorganisation.</summary>
public sealed class ChainCheckpointEntity
{
    public long Block { get; set; }
    public string Hash { get; set; } = "";
}
