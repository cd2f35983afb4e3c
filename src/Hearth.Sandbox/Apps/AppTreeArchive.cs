namespace Hearth.Sandbox.Apps;

/// <summary>
/// A bundle's read-only tree as it travels: a deterministic tar (the same writer as results) of files and folders only.
/// <see cref="Pack"/> makes one from a folder; <see cref="UnpackAsync"/> unpacks one with <see cref="ResultArchive"/>,
/// the safe extractor (no absolute path, no <c>..</c>, nothing written outside its folder, bounded bytes and entries),
/// and refuses links altogether: a tree holds files and folders.
/// </summary>
public static class AppTreeArchive
{
    /// <summary>Packs <paramref name="folder"/> into <paramref name="archivePath"/>; returns its length and sha256 (hex).
    /// A link in the folder, or more than the bounds, throws <see cref="ArgumentException"/>.</summary>
    public static (long Length, string Sha256) Pack(string folder, string archivePath, long maxBytes, int maxEntries, CancellationToken ct = default)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"the tree folder '{folder}' does not exist");
        var scan = OutputScanner.Run(folder, maxBytes, maxEntries, collect: true);
        if (scan.LimitExceeded is { } exceeded) throw new ArgumentException($"cannot pack the tree {folder}: {exceeded.Replace("/out", "it", StringComparison.Ordinal)}", nameof(folder));
        if (scan.Entries.FirstOrDefault(e => e.Kind == OutputEntryKind.SymbolicLink) is { } link)
            throw new ArgumentException($"cannot pack the tree {folder}: {link.RelativePath} is a link, and a tree holds only files and folders", nameof(folder));
        return DeterministicTar.WriteFile(scan.Entries, archivePath, ct);
    }

    /// <summary>
    /// Unpacks the tree archive into <paramref name="destination"/> (missing or empty). Throws
    /// <see cref="ResultArchiveException"/> naming the entry or the limit when it is refused; nothing is left then.
    /// </summary>
    public static async Task<ExtractedArchive> UnpackAsync(string archivePath, string destination, long maxBytes, int maxEntries, CancellationToken ct = default)
    {
        ExtractedArchive extracted;
        try
        {
            extracted = await ResultArchive.ExtractAsync(archivePath, destination, new ResultArchiveLimits { MaxBytes = maxBytes, MaxEntries = maxEntries }, ct);
        }
        catch (InvalidOperationException e)
        {
            // System.Formats.Tar's word for some malformed metadata entries.
            RemoveQuietly(destination);
            throw new ResultArchiveException($"the archive is malformed: {e.Message}", e);
        }
        if (extracted.LinksNotExtracted.Count > 0)
        {
            RemoveQuietly(destination);
            throw new ResultArchiveException($"the tree holds links, and a tree may hold only files and folders: {extracted.LinksSummary}");
        }
        return extracted;
    }

    private static void RemoveQuietly(string folder)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
