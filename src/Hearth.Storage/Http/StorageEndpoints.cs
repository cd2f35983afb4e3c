using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Hearth.Storage.Http;

/// <summary>
/// The blob HTTP API: <c>PUT/POST/GET/HEAD /blobs</c>, and the batch API of <see cref="BlobBatchEndpoints"/>
/// (<c>POST /blobs/batch</c>, <c>POST /blobs/exists</c>). Errors are RFC 7807 problem details.
/// </summary>
public static class StorageEndpoints
{
    internal const string OctetStream = "application/octet-stream";

    /// <summary>Problem title of a blob over the size limit; the client tells it from the other 413 answers by it.</summary>
    internal const string BlobTooLargeTitle = "Blob too large";

    public static IEndpointRouteBuilder MapHearthStorage(this IEndpointRouteBuilder endpoints)
    {
        var blobs = endpoints.MapGroup("/blobs");
        blobs.MapPut("/{sha256}", PutAsync);
        blobs.MapPost("/", PostAsync);
        blobs.MapGet("/{sha256}", GetAsync);
        blobs.MapMethods("/{sha256}", [HttpMethods.Head], HeadAsync);
        BlobBatchEndpoints.Map(blobs);
        return endpoints;
    }

    private static Task<IResult> PutAsync(string sha256, HttpContext http, IBlobStore store, IOptions<StorageOptions> options, CancellationToken ct) =>
        BlobAddress.TryParse(sha256, out var address)
            ? ReceiveAsync(http, store, options.Value, address, ct)
            : Task.FromResult(BadAddress(sha256));

    private static Task<IResult> PostAsync(HttpContext http, IBlobStore store, IOptions<StorageOptions> options, CancellationToken ct) =>
        ReceiveAsync(http, store, options.Value, expected: null, ct);

    private static async Task<IResult> GetAsync(string sha256, HttpContext http, IBlobStore store, CancellationToken ct)
    {
        if (!BlobAddress.TryParse(sha256, out var address))
            return BadAddress(sha256);
        var stream = await store.OpenReadAsync(address, range: null, ct);
        if (stream is null)
            return NotFound(address);
        SetImmutable(http.Response);
        // Range processing needs the whole seekable file; the result disposes the stream once sent.
        return TypedResults.File(stream, OctetStream, entityTag: ETagOf(address), enableRangeProcessing: true);
    }

    private static async Task<IResult> HeadAsync(string sha256, HttpContext http, IBlobStore store, CancellationToken ct)
    {
        if (!BlobAddress.TryParse(sha256, out var address))
            return BadAddress(sha256);
        if (await store.GetSizeAsync(address, ct) is not { } size)
            return NotFound(address);
        var response = http.Response;
        response.ContentLength = size;
        response.ContentType = OctetStream;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = ETagOf(address).ToString();
        SetImmutable(response);
        return TypedResults.Ok();
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, IBlobStore store, StorageOptions options, BlobAddress? expected, CancellationToken ct)
    {
        var max = options.MaxBlobBytes;
        if (http.Request.ContentLength > max)
            return TooLarge(max);
        // Kestrel then cuts a chunked body off at the limit instead of letting it stream on.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = max;

        BlobPutResult result;
        try
        {
            result = await store.PutAsync(http.Request.Body, expected, ct);
        }
        catch (BlobTooLargeException)
        {
            return TooLarge(max);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(max);
        }
        catch (BlobIntegrityException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Content does not match its address");
        }

        var body = new BlobPutResponse(result.Address.Hex, result.Size);
        return result.Created
            ? TypedResults.Created($"{http.Request.PathBase}/blobs/{result.Address.Hex}", body)
            : TypedResults.Ok(body);
    }

    private static EntityTagHeaderValue ETagOf(BlobAddress address) => new($"\"{address.Hex}\"");

    // The content at an address can never change, so any cache may keep it forever.
    private static void SetImmutable(HttpResponse response) =>
        response.Headers.CacheControl = "public, max-age=31536000, immutable";

    private static IResult BadAddress(string text) =>
        TypedResults.Problem(BlobAddress.DescribeInvalid(text), statusCode: StatusCodes.Status400BadRequest, title: "Malformed blob address");

    private static IResult NotFound(BlobAddress address) =>
        TypedResults.Problem($"No blob with address {address} is stored here.", statusCode: StatusCodes.Status404NotFound, title: "Blob not found");

    internal static IResult TooLarge(long max) =>
        TypedResults.Problem($"The blob is larger than this store's limit of {max} bytes; nothing was stored.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: BlobTooLargeTitle);
}
