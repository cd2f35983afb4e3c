namespace Hearth.Worker.State;

/// <summary>The first line of the state journal: which worker writes it, in which format.</summary>
public sealed record WorkerStateHeader(int Version, string Worker)
{
    public const int CurrentVersion = 2;
}

/// <summary>One later line of the state journal: a replicate held (or held with its report), or replicates forgotten.</summary>
public sealed record WorkerStateChange(HeldReplicate? Put, IReadOnlyList<string>? Remove);
