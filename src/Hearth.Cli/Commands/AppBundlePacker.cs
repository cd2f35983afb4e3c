using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Sandbox.Apps;
using Hearth.Storage;
using Hearth.Storage.Client;

namespace Hearth.Cli.Commands;

/// <summary>
/// Turns a bundle's source folder into what `hearth app register` uploads. The folder holds <see cref="SourceManifestName"/>:
/// an <see cref="AppManifest"/> whose <c>module</c> is the path of a .wasm file and whose trees each give a <c>path</c> (a
/// folder) instead of a sha256 and size, both relative to the manifest's folder:
/// <code>{"format":"hearth-app/1","module":"../build/wordsort.wasm","trees":[{"mount":"/share","path":"share"}],"args":[],"env":{},"needs":{}}</code>
/// Each tree is packed into a deterministic tar; the final manifest names every part by sha256 and size, written as
/// canonical JSON. A ready manifest (parts already named by sha256) is registered as its bytes are, once its parts are
/// found in storage.
/// </summary>
public static class AppBundlePacker
{
    public const string SourceManifestName = "hearth-app.json";
    private const long MaxTreeBytes = 1L << 30;
    private const int MaxTreeEntries = 100_000;

    /// <summary>A part to upload: what it is ("module", "tree /share"), its file, and its sha256.</summary>
    public sealed record Part(string What, string Path, string Sha256);

    /// <summary>The manifest's bytes (whose sha256 is registered) and the parts they name.</summary>
    public sealed record Bundle(byte[] Manifest, IReadOnlyList<Part> Parts);

    /// <summary>Whether a file holds a manifest (a JSON object) rather than a module.</summary>
    public static bool IsManifestFile(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[64];
        return AppManifest.LooksLikeManifest(head.AsSpan(0, file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)));
    }

    /// <summary>
    /// Packs the source manifest at <paramref name="sourcePath"/>, or takes a ready manifest as it is (its parts then have
    /// no file: they must be in storage already). Tree archives are written into <paramref name="work"/>.
    /// </summary>
    public static Bundle Pack(string sourcePath, string work, CancellationToken ct)
    {
        var bytes = File.ReadAllBytes(sourcePath);
        if (bytes.Length > AppManifest.MaxManifestBytes) throw new CliException($"{sourcePath} has {bytes.Length} bytes: a manifest has at most {AppManifest.MaxManifestBytes}");
        JsonObject source;
        try
        {
            source = JsonNode.Parse(bytes) as JsonObject ?? throw new CliException($"{sourcePath} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CliException($"{sourcePath} is not valid JSON: {e.Message}");
        }
        if (source["module"] is JsonObject)
        {
            // A ready manifest: registered byte for byte.
            var ready = Parse(bytes, sourcePath);
            return new Bundle(bytes, [.. ready.Parts.Select((p, i) => new Part(i == 0 ? "module" : $"tree {ready.Trees[i - 1].Mount}", "", p.Sha256))]);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(sourcePath))!;
        var parts = new List<Part>();
        var modulePath = source["module"] is JsonValue m && m.TryGetValue<string>(out var relative)
            ? Path.GetFullPath(Path.Combine(folder, relative)) : throw new CliException($"{sourcePath}: \"module\" must be the path of a .wasm file");
        if (!File.Exists(modulePath)) throw new CliException($"{sourcePath}: the module {modulePath} does not exist");
        CheckWasm(modulePath);
        source["module"] = PartNode(null, modulePath);
        parts.Add(new Part("module", modulePath, Sha256Of(modulePath)));

        if (source["trees"] is JsonArray trees)
        {
            for (var i = 0; i < trees.Count; i++)
            {
                if (trees[i] is not JsonObject tree || tree["mount"]?.GetValue<string>() is not { } mount || tree["path"]?.GetValue<string>() is not { } path)
                    throw new CliException($"{sourcePath}: trees[{i}] must have a \"mount\" and a \"path\" (a folder)");
                if (AppManifest.CheckMount(mount) is { } problem) throw new CliException($"{sourcePath}: trees[{i}]: mount '{mount}' {problem}");
                var archive = Path.Combine(work, $"tree-{i}.tar");
                try
                {
                    AppTreeArchive.Pack(Path.GetFullPath(Path.Combine(folder, path)), archive, MaxTreeBytes, MaxTreeEntries, ct);
                }
                catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException)
                {
                    throw new CliException($"{sourcePath}: trees[{i}]: {e.Message}");
                }
                trees[i] = PartNode(mount, archive);
                parts.Add(new Part($"tree {mount}", archive, Sha256Of(archive)));
            }
        }
        var manifest = Parse(JsonSerializer.SerializeToUtf8Bytes(source), sourcePath);
        return new Bundle(manifest.ToJson(), parts);
    }

    /// <summary>Uploads the parts that have a file; checks that those without one are in storage already.</summary>
    public static async Task UploadPartsAsync(StorageClient storage, Bundle bundle, CancellationToken ct)
    {
        foreach (var part in bundle.Parts)
        {
            if (part.Path.Length > 0)
            {
                var stored = await storage.PutFileAsync(part.Path, ct);
                if (stored.Hex != part.Sha256) throw new CliException($"storage stored the {part.What} as {stored.Hex}, not {part.Sha256}");
            }
            else if (!await storage.ExistsAsync(BlobAddress.Parse(part.Sha256), ct))
            {
                throw new CliException($"the manifest's {part.What} {part.Sha256} is not in storage at {storage.BaseUrl}: upload it first, or register the bundle's folder");
            }
        }
    }

    public static void CheckWasm(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        if (stream.Read(magic) != 4 || !magic.SequenceEqual("\0asm"u8))
            throw new CliException($"{path} is not a WebAssembly module (it does not start with \\0asm)");
    }

    private static AppManifest Parse(byte[] bytes, string sourcePath)
    {
        try
        {
            return AppManifest.Parse(bytes);
        }
        catch (AppManifestException e)
        {
            throw new CliException($"{sourcePath}: {e.Message}");
        }
    }

    private static JsonObject PartNode(string? mount, string path)
    {
        var node = new JsonObject();
        if (mount is not null) node["mount"] = mount;
        node["sha256"] = Sha256Of(path);
        node["size"] = new FileInfo(path).Length;
        return node;
    }

    private static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }
}
