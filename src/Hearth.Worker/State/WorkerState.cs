namespace Hearth.Worker.State;

/// <summary>The content of the state file: which worker wrote it and what it held.</summary>
public sealed record WorkerState(int Version, string Worker, IReadOnlyList<HeldReplicate> Replicates)
{
    public const int CurrentVersion = 1;
}
