using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Hearth.Storage.Http;

/// <summary>
/// The batch API, for callers that store or look up many small blobs at a time.
/// <list type="bullet">
/// <item><c>POST /blobs/batch</c>: body <c>application/octet-stream</c> in the format of <see cref="BlobBatchFormat"/>;
/// each blob is stored as a single PUT would store it; answer 200 <see cref="BlobBatchResponse"/>. A request that fails
/// stores nothing.</item>
/// <item><c>POST /blobs/exists</c>: body <c>application/json</c> <see cref="BlobExistsRequest"/>; answer 200
/// <see cref="BlobExistsResponse"/>.</item>
/// </list>
/// Both take at most <see cref="StorageOptions.MaxBatchBlobs"/> blobs. Errors are RFC 7807 problem details: 400 for a
/// malformed body, 413 for one over a limit, 415 for another media type.
/// </summary>
public static class BlobBatchEndpoints
{
    /// <summary>
    /// Room a lookup's JSON body may take per address it is allowed (64 hex characters, quotes, a comma, spacing), on
    /// top of <see cref="ExistsBodyBaseBytes"/>; the body limit is what <see cref="StorageOptions.MaxBatchBlobs"/> allows.
    /// </summary>
    public const int ExistsBodyBytesPerAddress = 128;

    public const int ExistsBodyBaseBytes = 4096;

    private const string Json = "application/json";

    internal static void Map(IEndpointRouteBuilder blobs)
    {
        blobs.MapPost("/batch", PutBatchAsync);
        blobs.MapPost("/exists", ExistsAsync);
    }

    /// <summary>The largest body <c>POST /blobs/exists</c> takes when up to <paramref name="maxBlobs"/> addresses are allowed.</summary>
    public static long ExistsBodyLimit(int maxBlobs) => ExistsBodyBaseBytes + (long)maxBlobs * ExistsBodyBytesPerAddress;

    private static async Task<IResult> PutBatchAsync(HttpContext http, IBlobStore store, IOptions<StorageOptions> options, CancellationToken ct)
    {
        var limits = options.Value;
        if (!HasMediaType(http.Request, StorageEndpoints.OctetStream))
            return UnsupportedMediaType(http.Request, StorageEndpoints.OctetStream, "records of an 8-byte big-endian length then that many bytes");
        if (http.Request.ContentLength > limits.MaxBatchBytes)
            return BatchTooLarge(limits.MaxBatchBytes);
        LimitBody(http, limits.MaxBatchBytes);

        try
        {
            var results = await store.PutManyAsync(BlobBatchFormat.ReadAsync(http.Request.Body, BlobBatchLimits.Of(limits), ct), ct);
            return TypedResults.Ok(new BlobBatchResponse([.. results.Select(r => new BlobBatchEntry(r.Address.Hex, r.Size, r.Created))]));
        }
        catch (InvalidBlobBatchException e)
        {
            var (status, title) = e.Reason switch
            {
                InvalidBlobBatchReason.Empty => (StatusCodes.Status400BadRequest, "Empty batch"),
                InvalidBlobBatchReason.Truncated => (StatusCodes.Status400BadRequest, "Malformed batch"),
                InvalidBlobBatchReason.TooManyBlobs => (StatusCodes.Status413PayloadTooLarge, "Too many blobs"),
                InvalidBlobBatchReason.BlobTooLarge => (StatusCodes.Status413PayloadTooLarge, StorageEndpoints.BlobTooLargeTitle),
                _ => (StatusCodes.Status413PayloadTooLarge, "Batch too large"),
            };
            if (status == StatusCodes.Status413PayloadTooLarge)
                CloseAfterResponse(http);
            return TypedResults.Problem($"{e.Message} The request failed: none of its blobs was stored.", statusCode: status, title: title);
        }
        catch (BlobTooLargeException)
        {
            CloseAfterResponse(http);
            return StorageEndpoints.TooLarge(limits.MaxBlobBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            CloseAfterResponse(http);
            return BatchTooLarge(limits.MaxBatchBytes);
        }
    }

    private static async Task<IResult> ExistsAsync(HttpContext http, IBlobStore store, IOptions<StorageOptions> options, CancellationToken ct)
    {
        var maxBlobs = options.Value.MaxBatchBlobs;
        var maxBody = ExistsBodyLimit(maxBlobs);
        if (!HasMediaType(http.Request, Json))
            return UnsupportedMediaType(http.Request, Json, """{"blobs": ["<64 lowercase hex>", ...]}""");
        if (http.Request.ContentLength > maxBody)
            return LookupTooLarge(maxBlobs, maxBody);
        LimitBody(http, maxBody);

        BlobExistsRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<BlobExistsRequest>(http.Request.Body, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            return MalformedLookup($"The body is not JSON of the form {{\"blobs\": [\"<64 lowercase hex>\", ...]}}: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            CloseAfterResponse(http);
            return LookupTooLarge(maxBlobs, maxBody);
        }

        if (request?.Blobs is not { } texts)
            return MalformedLookup("""The body has no "blobs" list: send {"blobs": ["<64 lowercase hex>", ...]}.""");
        if (texts.Count > maxBlobs)
            return TypedResults.Problem($"The lookup names {texts.Count} blobs, over this store's limit of {maxBlobs} per request; ask in several requests.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too many blobs");

        var present = new List<string>();
        var missing = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (!BlobAddress.TryParse(texts[i], out var address))
                return TypedResults.Problem($"blobs[{i}]: {BlobAddress.DescribeInvalid(texts[i])}",
                    statusCode: StatusCodes.Status400BadRequest, title: "Malformed blob address");
            (await store.ExistsAsync(address, ct) ? present : missing).Add(address.Hex);
        }
        return TypedResults.Ok(new BlobExistsResponse(present, missing));
    }

    private static bool HasMediaType(HttpRequest request, string mediaType) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) &&
        type.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Kestrel then cuts a body off at the limit, chunked ones included, instead of letting it stream on.</summary>
    private static void LimitBody(HttpContext http, long maxBytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes;
    }

    /// <summary>
    /// For a request refused while its body was still coming: the rest of the body is left unread, so the connection
    /// cannot serve another request. Saying so keeps the client from reusing it, only to find it closed.
    /// </summary>
    private static void CloseAfterResponse(HttpContext http) => http.Response.Headers.Connection = "close";

    private static IResult UnsupportedMediaType(HttpRequest request, string expected, string shape)
    {
        var sent = request.ContentType is { } type ? $"'{(type.Length > 80 ? type[..80] + "…" : type)}'" : "no Content-Type";
        return TypedResults.Problem($"This endpoint takes {expected} ({shape}), got {sent}.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
    }

    private static IResult BatchTooLarge(long maxBytes) =>
        TypedResults.Problem($"The batch is larger than this store's limit of {maxBytes} bytes per batch (length prefixes included); send it in several batches. None of its blobs was stored.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Batch too large");

    private static IResult LookupTooLarge(int maxBlobs, long maxBytes) =>
        TypedResults.Problem($"The lookup's body is larger than the {maxBytes} bytes allowed for at most {maxBlobs} addresses; ask in several requests.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Lookup too large");

    private static IResult MalformedLookup(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Malformed lookup");
}
