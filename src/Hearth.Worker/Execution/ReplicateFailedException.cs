namespace Hearth.Worker.Execution;

/// <summary>A replicate cannot be completed; the worker gives it back with <see cref="Kind"/> and the message as reason.</summary>
public sealed class ReplicateFailedException(string kind, string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>One of <see cref="FailureKinds"/>.</summary>
    public string Kind { get; } = kind;
}
