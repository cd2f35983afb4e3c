using System.Formats.Tar;
using Hearth.Network;
using Hearth.Network.Requesting;
using Hearth.Sandbox;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// A worker's result archive (at trust 1 one worker's upload settles) with a chain of links, each harmless as text,
/// that together point outside the requester's folder, and a file written through the chain: the requester unpacks it.
/// </summary>
internal sealed class ArchiveEscapeAttack : IAttack
{
    public string Name => "archive-escape";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var root = Directory.CreateTempSubdirectory("hearth-attack-").FullName;
        try
        {
            // out/ sits four folders deep so that d/e/n resolves to root/elsewhere.
            var destination = Path.Combine(root, "a", "b", "out");
            var elsewhere = Path.Combine(root, "elsewhere");
            Directory.CreateDirectory(elsewhere);
            using var archive = new MemoryStream();
            using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "d/"));
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "d/e/"));
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "d/e/l") { LinkName = ".." });
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "d/e/m") { LinkName = "l/.." });
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "d/e/n") { LinkName = "m/../../../elsewhere" });
                var payload = new PaxTarEntry(TarEntryType.RegularFile, "d/e/n/pwned") { DataStream = new MemoryStream("written outside"u8.ToArray()) };
                writer.WriteEntry(payload);
            }
            archive.Position = 0;
            string observed;
            try
            {
                var extracted = await ResultArchive.ExtractAsync(archive, destination, ct: ct);
                observed = $"unpacked {extracted.Files} file(s); links not created: {extracted.LinksNotExtracted.Count}";
            }
            catch (ResultArchiveException e)
            {
                observed = $"refused: {e.Message}";
            }
            var escaped = File.Exists(Path.Combine(elsewhere, "pwned"));
            var links = Directory.Exists(destination)
                ? Directory.EnumerateFileSystemEntries(destination, "*", SearchOption.AllDirectories).Count(p => new FileInfo(p).LinkTarget is not null)
                : 0;
            return new AttackOutcome(Name,
                "unpacked a result archive whose link chain d/e/l -> .., m -> l/.., n -> m/../../../elsewhere carries a file d/e/n/pwned",
                $"{observed}; file outside the folder: {escaped}; links created: {links}",
                !escaped && links == 0);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
