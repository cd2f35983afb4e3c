using Hearth.Sandbox;
using Hearth.Sandbox.Apps;

namespace Hearth.Worker.Execution;

/// <summary>
/// Unpacked trees of app bundles, one folder per tree named by the sha256 of its archive (verified before). A tree is
/// unpacked once, into a folder of its own under <c>.incoming</c>, and renamed into place only when complete: a folder
/// under its sha256 is always a whole tree, so a refused or interrupted unpacking leaves nothing a later run would trust.
/// Two replicates unpacking the same tree at once each unpack; the first rename wins and the other copy is removed. A
/// process stopped mid-unpacking leaves its folder under <c>.incoming</c>, never trusted.
/// </summary>
public sealed class AppTreeCache
{
    private const string IncomingFolderName = ".incoming";
    private readonly string _root;
    private readonly long _maxBytes;
    private readonly int _maxEntries;

    public AppTreeCache(string root, long maxBytes, int maxEntries)
    {
        if (!Path.IsPathFullyQualified(root)) throw new ArgumentException($"The app tree cache needs an absolute folder, got '{root}'.", nameof(root));
        _root = Path.GetFullPath(root);
        _maxBytes = maxBytes;
        _maxEntries = maxEntries;
    }

    /// <summary>
    /// The folder of the tree whose archive (sha256 <paramref name="sha256"/>, checked by the caller) is at
    /// <paramref name="archive"/>. A refused archive throws <see cref="ReplicateFailedException"/> of kind
    /// <see cref="FailureKinds.InvalidApp"/>, naming <paramref name="what"/> and the entry or limit.
    /// </summary>
    public async Task<string> GetOrUnpackAsync(string archive, string sha256, string what, CancellationToken ct)
    {
        if (!AppManifest.IsSha256(sha256)) throw new ArgumentException($"'{sha256}' is not a sha256", nameof(sha256));
        var folder = Path.Combine(_root, sha256);
        if (Directory.Exists(folder)) return folder;

        var incoming = Directory.CreateDirectory(Path.Combine(_root, IncomingFolderName)).FullName;
        var temporary = Path.Combine(incoming, $"{sha256}.{Guid.NewGuid():N}");
        try
        {
            await AppTreeArchive.UnpackAsync(archive, temporary, _maxBytes, _maxEntries, ct);
            try
            {
                Directory.Move(temporary, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another replicate renamed the same tree into place first: it is the same bytes.
            }
            return folder;
        }
        catch (ResultArchiveException e)
        {
            throw new ReplicateFailedException(FailureKinds.InvalidApp, $"{what} {sha256} is a tree archive that is refused: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
    }
}
