using Hearth.Protocol.WorkerApi;
using Hearth.Storage;
using Microsoft.AspNetCore.WebUtilities;

namespace Hearth.Worker.Execution;

/// <summary>
/// Where an asset's bytes are fetched from. A location <c>http(s)://host/…/blobs/&lt;sha256&gt;</c> names a storage
/// service and a blob; any other http(s) URL names a storage service holding the blob at the asset's checksum; anything
/// else (empty, an opaque id) means the worker's own storage. A <c>name</c> query parameter names the file in /in (`hearth dataset
/// register` adds the file's own name); a name that is not a safe file name is ignored (the file is /in/dataset).
/// </summary>
public sealed record AssetLocation(Uri StorageUrl, BlobAddress Address, string? FileName)
{
    private const string BlobsSegment = "/blobs/";

    public static AssetLocation Resolve(AssetRef asset, Uri defaultStorage)
    {
        var checksum = AssignmentCheck.BlobAddressOf(asset.Checksum);
        if (!Uri.TryCreate(asset.Location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return new AssetLocation(defaultStorage, checksum, null);

        var name = QueryHelpers.ParseQuery(uri.Query).TryGetValue("name", out var values) ? SafeFileName(values.ToString()) : null;
        var path = uri.AbsolutePath;
        var at = path.LastIndexOf(BlobsSegment, StringComparison.Ordinal);
        if (at >= 0 && BlobAddress.TryParse(path[(at + BlobsSegment.Length)..].TrimEnd('/').ToLowerInvariant(), out var named))
            return new AssetLocation(new Uri(uri, path[..(at + 1)]), named, name);
        var basePath = path.EndsWith('/') ? path : path + "/";
        return new AssetLocation(new UriBuilder(uri) { Path = basePath, Query = "" }.Uri, checksum, name);
    }

    /// <summary>A plain file name (no folders, no dot-names such as "..", no control characters, at most 128 characters), or null.</summary>
    public static string? SafeFileName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 128 || name.StartsWith('.') || name.Any(char.IsControl)
            || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            return null;
        return name;
    }
}
