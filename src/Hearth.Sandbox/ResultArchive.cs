using System.Formats.Tar;

namespace Hearth.Sandbox;

/// <summary>Bounds of one extraction: the sum of the files' sizes and the number of entries (links included).</summary>
public sealed record ResultArchiveLimits
{
    public const long DefaultMaxBytes = 4L << 30;
    public const int DefaultMaxEntries = 100_000;

    public static ResultArchiveLimits Default { get; } = new();

    /// <summary>Most bytes the archive's files may add up to (4 GiB by default).</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Most entries the archive may hold (100,000 by default).</summary>
    public int MaxEntries { get; init; } = DefaultMaxEntries;
}

/// <summary>A link of the archive, listed instead of created: its path in the archive and what it points to.</summary>
public sealed record ArchiveLink(string Path, string Target, bool Hard)
{
    public override string ToString() => Hard ? $"{Path} => {Target} (hard link)" : $"{Path} -> {Target}";
}

/// <summary>What an extraction wrote, and the links it did not create.</summary>
public sealed record ExtractedArchive(int Files, int Directories, long Bytes, IReadOnlyList<ArchiveLink> LinksNotExtracted)
{
    /// <summary>One line naming the links not extracted ("2 links not extracted: up -> ../.., x -> /etc"); null when there were none.</summary>
    public string? LinksSummary => ResultArchive.DescribeLinks(LinksNotExtracted);
}

/// <summary>An archive refused by <see cref="ResultArchive"/>; its message names the entry or the limit.</summary>
public sealed class ResultArchiveException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Unpacks a result archive (for the requester) or a dataset archive (for the worker, Hearth.Worker's DatasetInput,
/// which refuses links altogether) into an empty folder without letting it write, or point, anywhere else. Result archives
/// are made by the sandbox (a deterministic tar of /out, links kept as links), but what a requester downloads is
/// whatever a worker uploaded and the chain settled, so every archive is treated as hostile:
/// <list type="bullet">
/// <item>Links are never created. A symbolic or hard link entry is skipped and listed in
/// <see cref="ExtractedArchive.LinksNotExtracted"/> (path and target), for the caller to show ("2 links not extracted:
/// up -&gt; ../.."); the archive itself, kept by the caller, still holds them. Skipping was chosen over writing a text
/// file in the link's place: a file at the link's name would be read by the requester's tools as if it were the
/// linked content, and nothing at that name leaves no ambiguity.</item>
/// <item>Any other entry at or under a skipped link's path is refused: the sandbox never archives anything below a
/// link, so such an archive was not made by it, and its entries would otherwise land where the link pointed.</item>
/// <item>Nothing is followed while extracting: every parent folder of an entry is checked, as it is on disk, to be a
/// real folder and not a link; files are created new (never opened if something is already at their path); and each
/// final path is resolved with <see cref="Path.GetFullPath(string)"/> and must lie inside the destination.</item>
/// <item>Refused: absolute paths, <c>..</c> components, device and fifo entries, entries of other unusual types,
/// an entry whose path is taken already, more entries than <see cref="ResultArchiveLimits.MaxEntries"/>, files adding
/// up to more than <see cref="ResultArchiveLimits.MaxBytes"/> (checked before their bytes are written), and
/// malformed tar. A refusal throws <see cref="ResultArchiveException"/> and removes what had been written.</item>
/// <item>Entries are streamed one at a time from the archive; no archive or file is held in memory.</item>
/// </list>
/// Files and folders of a valid archive extract as <see cref="TarFile"/> extracted them: same paths, same bytes,
/// the entry's permission bits (owner read and write always kept, set-id bits dropped) and modification time.
/// </summary>
public static class ResultArchive
{
    private const UnixFileMode Permissions = (UnixFileMode)0x1FF;
    private const int CopyBuffer = 81920;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Unpacks the tar file at <paramref name="archivePath"/> into <paramref name="destination"/>, which must be
    /// missing or empty. Throws <see cref="ResultArchiveException"/> when the archive is refused (nothing left in the
    /// destination), an <see cref="IOException"/> when the disk fails.</summary>
    public static async Task<ExtractedArchive> ExtractAsync(string archivePath, string destination, ResultArchiveLimits? limits = null, CancellationToken ct = default)
    {
        await using var archive = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await ExtractAsync(archive, destination, limits, ct);
    }

    /// <summary>Unpacks the tar read from <paramref name="archive"/> (left open) into <paramref name="destination"/>, which
    /// must be missing or empty.</summary>
    public static async Task<ExtractedArchive> ExtractAsync(Stream archive, string destination, ResultArchiveLimits? limits = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        limits ??= ResultArchiveLimits.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxBytes, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxEntries, nameof(limits));
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        var created = !Directory.Exists(root);
        if (created)
        {
            Directory.CreateDirectory(root);
        }
        else if (Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new IOException($"{root} is not empty: an archive is unpacked into a new or empty folder");
        }
        try
        {
            return await ExtractEntriesAsync(archive, root, limits, ct);
        }
        catch (Exception e)
        {
            var leftover = RemovePartialOutput(root, created);
            var reason = e switch
            {
                ResultArchiveException => e.Message,
                InvalidDataException or EndOfStreamException or FormatException or ArgumentException => $"the archive is malformed: {e.Message}",
                _ => null,
            };
            if (reason is null)
            {
                if (leftover is null) throw;
                throw new IOException($"{e.Message}; the partial output in {root} could not be removed: {leftover}", e);
            }
            throw new ResultArchiveException(leftover is null ? reason : $"{reason}; the partial output in {root} could not be removed: {leftover}", e);
        }
    }

    /// <summary>"2 links not extracted: up -> ../.., x -> /etc" (the first ten), or null for none.</summary>
    public static string? DescribeLinks(IReadOnlyList<ArchiveLink> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        if (links.Count == 0) return null;
        const int shown = 10;
        var list = string.Join(", ", links.Take(shown));
        var more = links.Count > shown ? $", and {links.Count - shown} more" : "";
        return $"{links.Count} link{(links.Count == 1 ? "" : "s")} not extracted: {list}{more}";
    }

    private static async Task<ExtractedArchive> ExtractEntriesAsync(Stream archive, string root, ResultArchiveLimits limits, CancellationToken ct)
    {
        var links = new List<ArchiveLink>();
        var linkPaths = new HashSet<string>(PathComparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        var entries = 0;
        var files = 0;
        var folders = 0;
        long bytes = 0;
        await using var reader = new TarReader(archive, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            ct.ThrowIfCancellationRequested();
            if (++entries > limits.MaxEntries)
            {
                throw new ResultArchiveException($"the archive holds more than {limits.MaxEntries} entries (the entry limit)");
            }
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
            {
                continue;
            }
            var name = entry.Name;
            var parts = RelativeParts(name);
            if (parts.Count == 0)
            {
                // "./" names the destination itself.
                if (entry.EntryType == TarEntryType.Directory) continue;
                throw Refused(name, "its path names the destination folder itself");
            }
            for (var i = 1; linkPaths.Count > 0 && i <= parts.Count; i++)
            {
                var prefix = string.Join('/', parts.Take(i));
                if (linkPaths.Contains(prefix))
                {
                    throw Refused(name, $"it lies at or under the link '{prefix}', which is not extracted");
                }
            }
            switch (entry.EntryType)
            {
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    var relative = string.Join('/', parts);
                    links.Add(new ArchiveLink(relative, entry.LinkName, entry.EntryType == TarEntryType.HardLink));
                    linkPaths.Add(relative);
                    break;
                case TarEntryType.Directory:
                    EnsureFolder(root, parts, parts.Count, name, entry.Mode);
                    folders++;
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    if (entry.Length < 0 || entry.Length > limits.MaxBytes - bytes)
                    {
                        throw new ResultArchiveException(
                            $"the archive's files add up to more than {limits.MaxBytes} bytes ({FormatBytes(limits.MaxBytes)}, the size limit) at entry '{name}'");
                    }
                    bytes += entry.Length;
                    var folder = EnsureFolder(root, parts, parts.Count - 1, name, mode: null);
                    var path = Inside(root, Path.Combine(folder, parts[^1]), name);
                    if (OnDisk(path) != Kind.Missing)
                    {
                        throw Refused(name, "its path is already taken (an entry appears twice, or a file overlaps a folder)");
                    }
                    await WriteFileAsync(entry, path, ct);
                    files++;
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    throw Refused(name, $"it is a {Describe(entry.EntryType)}; devices and fifos are never extracted");
                default:
                    throw Refused(name, $"its type ({entry.EntryType}) is not extracted");
            }
        }
        return new ExtractedArchive(files, folders, bytes, links);
    }

    /// <summary>The path's components, without empty and "." ones; refuses absolute paths and ".." components.</summary>
    private static List<string> RelativeParts(string name)
    {
        if (name.Length == 0) throw Refused(name, "its path is empty");
        if (name.Contains('\0')) throw Refused(name, "its path holds a NUL character");
        if (name[0] == '/' || Path.IsPathRooted(name)) throw Refused(name, "its path is absolute");
        if (Path.DirectorySeparatorChar != '/' && (name.Contains(Path.DirectorySeparatorChar) || name.Contains(Path.VolumeSeparatorChar)))
        {
            throw Refused(name, "its path holds a separator of this system that tar paths do not use");
        }
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") throw Refused(name, "its path has a '..' component");
            parts.Add(part);
        }
        return parts;
    }

    /// <summary>Creates (or finds) the first <paramref name="count"/> components as real folders, checking each as it
    /// is on disk: a link or a file in the way refuses the entry. Returns the last folder's full path.</summary>
    private static string EnsureFolder(string root, List<string> parts, int count, string name, UnixFileMode? mode)
    {
        var current = root;
        for (var i = 0; i < count; i++)
        {
            current = Inside(root, Path.Combine(current, parts[i]), name);
            switch (OnDisk(current))
            {
                case Kind.Folder:
                    break;
                case Kind.Missing:
                    if (i == count - 1 && mode is { } m && !OperatingSystem.IsWindows())
                    {
                        Directory.CreateDirectory(current, (m & Permissions) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }
                    else
                    {
                        Directory.CreateDirectory(current);
                    }
                    if (OnDisk(current) != Kind.Folder)
                    {
                        throw Refused(name, $"'{string.Join('/', parts.Take(i + 1))}' did not become a folder");
                    }
                    break;
                case Kind.Link:
                    throw Refused(name, $"'{string.Join('/', parts.Take(i + 1))}' is a link on disk, and links are never followed");
                default:
                    throw Refused(name, $"'{string.Join('/', parts.Take(i + 1))}' is a file, not a folder");
            }
        }
        return current;
    }

    /// <summary>The full path, which must lie strictly inside the destination.</summary>
    private static string Inside(string root, string path, string name)
    {
        var full = Path.GetFullPath(path);
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, PathComparison) || full.Length <= prefix.Length)
        {
            throw Refused(name, "it would be written outside the destination folder");
        }
        return full;
    }

    private static async Task WriteFileAsync(TarEntry entry, string path, CancellationToken ct)
    {
        var options = new FileStreamOptions
        {
            // CreateNew (O_CREAT | O_EXCL) fails on anything already there, a dangling link included, and never follows one.
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = (entry.Mode & Permissions) | UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var file = new FileStream(path, options))
        {
            if (entry.DataStream is { } data)
            {
                await data.CopyToAsync(file, CopyBuffer, ct);
            }
        }
        File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
    }

    private enum Kind
    {
        Missing,
        Folder,
        Link,
        Other,
    }

    /// <summary>What is at the path, without following a link there.</summary>
    private static Kind OnDisk(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return Kind.Link;
        if (Directory.Exists(path)) return Kind.Folder;
        return info.Exists ? Kind.Other : Kind.Missing;
    }

    /// <summary>Removes what a failed extraction wrote; the error text when that failed too.</summary>
    private static string? RemovePartialOutput(string root, bool created)
    {
        try
        {
            if (created)
            {
                Directory.Delete(root, recursive: true);
                return null;
            }
            foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos())
            {
                // Recursive deletion removes links themselves, never what they point to.
                if (info is DirectoryInfo folder && folder.LinkTarget is null) folder.Delete(recursive: true);
                else info.Delete();
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    private static ResultArchiveException Refused(string name, string why) => new($"entry '{name}' refused: {why}");

    private static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.CharacterDevice => "character device",
        TarEntryType.BlockDevice => "block device",
        _ => "fifo",
    };

    private static string FormatBytes(long bytes) =>
        bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes >= 1L << 10 && bytes % (1L << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} B";
}
