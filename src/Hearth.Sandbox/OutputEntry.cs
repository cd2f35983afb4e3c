namespace Hearth.Sandbox;

internal enum OutputEntryKind
{
    File,
    Directory,
    SymbolicLink,
}

/// <summary>One entry of /out: its path relative to /out with '/' separators, and for a link its target text.</summary>
internal sealed record OutputEntry(string RelativePath, string FullPath, OutputEntryKind Kind, long Length, string? LinkTarget);
