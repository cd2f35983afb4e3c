using Hearth.Protocol.WorkerApi;
using Hearth.Sandbox;
using Hearth.Sandbox.Apps;

namespace Hearth.Worker.Execution;

/// <summary>
/// Turns an assignment's app into a <see cref="StagedApp"/>. The registered asset is either a module (it starts with
/// <c>\0asm</c>, or is WebAssembly text) or a bundle's manifest (a JSON object, <see cref="AppManifest"/>). A bundle's
/// parts are fetched from the storage that holds its manifest, each by its sha256 (verified and cached like a module) and
/// held to the size the manifest gives it, the manifest and parts together to <see cref="WorkerOptions.MaxAppBytes"/>;
/// each tree is unpacked once into the <see cref="AppTreeCache"/>. An invalid manifest, a part that is not what the
/// manifest says or a refused tree fails the replicate as <see cref="FailureKinds.InvalidApp"/>; a part missing from
/// storage as <see cref="FailureKinds.Download"/>; bytes that hash wrong as <see cref="FailureKinds.Integrity"/>.
/// </summary>
public sealed class AppStager(WorkerOptions options, AppTreeCache trees)
{
    /// <summary>Fetches one asset into the cache (with the caller's retries) and returns its verified path.</summary>
    public delegate Task<string> Fetch(AssetRef asset, string what, DownloadLimit limit, CancellationToken ct);

    private const int HeadBytes = 64;

    private DownloadLimit AppLimit => new(options.MaxAppBytes, $"{WorkerOptions.SectionName}:{nameof(WorkerOptions.MaxAppBytes)}");

    public async Task<StagedApp> StageAsync(AssetRef app, Fetch fetch, CancellationToken ct)
    {
        var path = await fetch(app, "app module", AppLimit, ct);
        if (!AppManifest.LooksLikeManifest(await ReadHeadAsync(path, ct))) return StagedApp.Module(path);

        var checksum = app.Checksum;
        var length = new FileInfo(path).Length;
        if (length > AppManifest.MaxManifestBytes)
            throw Invalid($"app {checksum} is a manifest of {length} bytes, more than the {AppManifest.MaxManifestBytes} allowed");
        AppManifest manifest;
        try
        {
            manifest = AppManifest.Parse(await File.ReadAllBytesAsync(path, ct));
        }
        catch (AppManifestException e)
        {
            throw Invalid($"app {checksum}: {e.Message}");
        }
        var total = length + manifest.TotalPartBytes;
        if (total > options.MaxAppBytes)
            throw Invalid($"app bundle {checksum}: its manifest and parts add up to {total} bytes, more than {AppLimit.Setting} ({options.MaxAppBytes} bytes)");

        var storage = AssetLocation.Resolve(app, new Uri(options.StorageUrl)).StorageUrl;
        var module = await FetchPartAsync(manifest.Module, "app bundle module");
        if (AppManifest.LooksLikeManifest(await ReadHeadAsync(module, ct)))
            throw Invalid($"app bundle {checksum}: its module {manifest.Module.Sha256} is a manifest, not a module (bundles do not nest)");
        var mounts = new List<ReadOnlyMount>();
        foreach (var tree in manifest.Trees)
        {
            var what = $"app bundle tree {tree.Mount}";
            var archive = await FetchPartAsync(tree.Part, what);
            mounts.Add(new ReadOnlyMount(await trees.GetOrUnpackAsync(archive, tree.Part.Sha256, what, ct), tree.Mount));
        }
        return new StagedApp(module, mounts, manifest.Arguments, manifest.Environment, manifest.Needs);

        async Task<string> FetchPartAsync(AppPart part, string what)
        {
            var asset = new AssetRef("", part.Sha256, new Uri(storage, $"blobs/{part.Sha256}").AbsoluteUri);
            var fetched = await fetch(asset, what, new DownloadLimit(part.Size, $"its size in the manifest of app {checksum}"), ct);
            var size = new FileInfo(fetched).Length;
            if (size != part.Size)
                throw Invalid($"{what} {part.Sha256} has {size} bytes, not the {part.Size} the manifest of app {checksum} gives");
            return fetched;
        }
    }

    private static async Task<byte[]> ReadHeadAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        var head = new byte[HeadBytes];
        var read = await file.ReadAtLeastAsync(head, HeadBytes, throwOnEndOfStream: false, ct);
        return head[..read];
    }

    private static ReplicateFailedException Invalid(string reason) => new(FailureKinds.InvalidApp, reason);
}
