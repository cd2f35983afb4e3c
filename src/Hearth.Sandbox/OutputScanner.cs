namespace Hearth.Sandbox;

/// <summary>Walks /out (or /tmp) without following links, counting entries and bytes against the limits.</summary>
internal static class OutputScanner
{
    /// <summary>The outcome of a walk: the entries, or why /out is over its limits.</summary>
    public sealed record Scan(IReadOnlyList<OutputEntry> Entries, long TotalBytes, string? LimitExceeded);

    /// <summary>Walks /out against the output limits.</summary>
    public static Scan Run(string root, long maxBytes, int maxEntries, bool collect) =>
        Run(root, maxBytes, maxEntries, collect, "/out", "output");

    /// <summary>Walks /tmp against the scratch limits; never collects, as /tmp is never archived.</summary>
    public static Scan Scratch(string root, long maxBytes, int maxEntries) =>
        Run(root, maxBytes, maxEntries, collect: false, "/tmp", "scratch");

    /// <param name="shownAs">The folder as the module sees it (/out, /tmp), for the reason.</param>
    /// <param name="limitName">The limit's name in the reason ("output", "scratch").</param>
    private static Scan Run(string root, long maxBytes, int maxEntries, bool collect, string shownAs, string limitName)
    {
        var entries = new List<OutputEntry>();
        long totalBytes = 0;
        var count = 0;
        var pending = new Stack<(string Path, string Relative)>();
        pending.Push((root, ""));
        while (pending.Count > 0)
        {
            var (folder, relativeFolder) = pending.Pop();
            foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                var relative = relativeFolder + info.Name;
                if (++count > maxEntries)
                {
                    return new Scan([], totalBytes, $"{shownAs} holds more than {maxEntries} entries");
                }
                if (info.LinkTarget is { } target)
                {
                    // Never follow a link: it may point anywhere on the host.
                    if (collect)
                    {
                        entries.Add(new OutputEntry(relative, info.FullName, OutputEntryKind.SymbolicLink, 0, target));
                    }
                }
                else if (info is DirectoryInfo)
                {
                    if (collect)
                    {
                        entries.Add(new OutputEntry(relative + "/", info.FullName, OutputEntryKind.Directory, 0, null));
                    }
                    pending.Push((info.FullName, relative + "/"));
                }
                else if (info is FileInfo file)
                {
                    // The apparent length counts, so a sparse file cannot pass as small.
                    totalBytes += file.Length;
                    if (totalBytes > maxBytes)
                    {
                        return new Scan([], totalBytes, $"{shownAs} holds more than the {maxBytes} B {limitName} limit");
                    }
                    if (collect)
                    {
                        entries.Add(new OutputEntry(relative, info.FullName, OutputEntryKind.File, file.Length, null));
                    }
                }
            }
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return new Scan(entries, totalBytes, null);
    }
}
