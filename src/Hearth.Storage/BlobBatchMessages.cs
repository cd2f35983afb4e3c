using System.Text.Json.Serialization;

namespace Hearth.Storage;

/// <summary>
/// JSON body answering a batch upload, one entry per blob in request order:
/// <c>{ "blobs": [ { "sha256": "...", "size": 123, "created": true }, ... ] }</c>.
/// </summary>
public sealed record BlobBatchResponse(
    [property: JsonPropertyName("blobs")] IReadOnlyList<BlobBatchEntry> Blobs);

/// <summary>One stored blob of a batch; <see cref="Created"/> is false when the store already held it.</summary>
public sealed record BlobBatchEntry(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("created")] bool Created);

/// <summary>JSON body asking which blobs the store holds: <c>{ "blobs": [ "&lt;64 lowercase hex&gt;", ... ] }</c>.</summary>
public sealed record BlobExistsRequest(
    [property: JsonPropertyName("blobs")] IReadOnlyList<string?>? Blobs);

/// <summary>
/// JSON body answering <see cref="BlobExistsRequest"/>: every address asked for is in exactly one of the two lists,
/// in request order: <c>{ "present": [ ... ], "missing": [ ... ] }</c>.
/// </summary>
public sealed record BlobExistsResponse(
    [property: JsonPropertyName("present")] IReadOnlyList<string> Present,
    [property: JsonPropertyName("missing")] IReadOnlyList<string> Missing);
