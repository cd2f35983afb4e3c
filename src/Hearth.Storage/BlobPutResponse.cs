using System.Text.Json.Serialization;

namespace Hearth.Storage;

/// <summary>JSON body answering an upload: <c>{ "sha256": "...", "size": 123 }</c>.</summary>
public sealed record BlobPutResponse(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size);
