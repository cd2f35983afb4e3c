using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Storage.Client;

/// <summary>
/// Client of the storage HTTP API. Every byte it hands back as a whole blob has been checked against the address.
/// Failures surface as <see cref="StorageException"/> subtypes with messages naming the server.
/// </summary>
public sealed partial class StorageClient
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;

    /// <param name="http">Its <see cref="HttpClient.BaseAddress"/> is the storage service's base URL.</param>
    public StorageClient(HttpClient http, ILogger<StorageClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
            throw new ArgumentException("The HttpClient needs a BaseAddress: the storage service's base URL.", nameof(http));
        _http = http;
        _logger = logger ?? NullLogger<StorageClient>.Instance;
        BaseUrl = http.BaseAddress.AbsoluteUri.EndsWith('/') ? http.BaseAddress : new Uri(http.BaseAddress.AbsoluteUri + "/");
    }

    public Uri BaseUrl { get; }

    /// <summary>
    /// An HttpClient suited to this client: it waits up to 10 s for the server's answer to "Expect: 100-continue"
    /// (the default is 1 s), so an upload the server refuses, or already holds, is answered before its body is sent.
    /// </summary>
    public static HttpClient CreateHttpClient(Uri baseUrl) =>
        new(new SocketsHttpHandler
        {
            Expect100ContinueTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        { BaseAddress = baseUrl };

    /// <summary>
    /// Uploads <paramref name="content"/> from its current position. The sha256 is computed here first and sent as the
    /// address, so the server verifies the bytes it receives. A stream that cannot seek is staged in a temporary file.
    /// </summary>
    public async Task<BlobAddress> PutAsync(Stream content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
            return await PutStagedAsync(content, ct);

        var start = content.Position;
        var address = await BlobAddress.ComputeAsync(content, ct);
        content.Position = start;
        return await PutAsync(content, address, ct);
    }

    /// <summary>
    /// Uploads <paramref name="content"/> (seekable, from its current position) whose sha256 the caller already computed
    /// (while writing it, say): the bytes are read once, and the server still checks them against
    /// <paramref name="address"/>, refusing them (<see cref="BlobIntegrityException"/>) when they differ.
    /// </summary>
    public async Task<BlobAddress> PutAsync(Stream content, BlobAddress address, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
            throw new ArgumentException("an upload of a known address needs a stream that can seek (its length is sent first)", nameof(content));
        var start = content.Position;
        // The request is not disposed: that would dispose the caller's stream.
        var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(address)) { Content = new StreamContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = content.Length - start;
        // The server answers before the body is sent when the blob is already there or is over the limit.
        request.Headers.ExpectContinue = true;

        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created)
            return address;
        if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            var detail = await ProblemDetailAsync(response, ct);
            throw new BlobIntegrityException(address, actual: null,
                $"Storage at {BaseUrl} rejected the upload of {address}: {detail} (did the content change while it was sent?)");
        }
        throw await FailureAsync(response, address, ct);
    }

    public async Task<BlobAddress> PutFileAsync(string path, CancellationToken ct = default)
    {
        await using var file = HashingCopy.OpenSequentialRead(path);
        return await PutAsync(file, ct);
    }

    /// <summary>Whether the server holds the blob.</summary>
    public async Task<bool> ExistsAsync(BlobAddress address, CancellationToken ct = default) =>
        await GetSizeAsync(address, ct) is not null;

    /// <summary>The blob's size in bytes, or null when the server does not hold it.</summary>
    public async Task<long?> GetSizeAsync(BlobAddress address, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, BlobUri(address));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (!response.IsSuccessStatusCode)
            throw await FailureAsync(response, address, ct);
        return response.Content.Headers.ContentLength
            ?? throw new StorageRequestException(response.StatusCode, $"Storage at {BaseUrl} gave no size for {address}.");
    }

    /// <summary>
    /// Opens a byte range of a blob (the whole blob when <paramref name="range"/> is null) as a stream. Partial reads
    /// cannot be checked against the address; use <see cref="DownloadAsync"/> for verified content.
    /// </summary>
    public async Task<Stream> OpenReadAsync(BlobAddress address, BlobRange? range = null, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, BlobUri(address));
        if (range is { } r)
            request.Headers.Range = new RangeHeaderValue(r.Offset, r.Length is { } l ? r.Offset + l - 1 : null);
        using (request)
        {
            var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == (range is null ? HttpStatusCode.OK : HttpStatusCode.PartialContent))
                return new ResponseStream(await response.Content.ReadAsStreamAsync(ct), response);
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                    throw new ArgumentOutOfRangeException(nameof(range), $"Blob {address} has {response.Content.Headers.ContentRange?.Length} bytes; range starting at {range?.Offset} is outside it.");
                throw await FailureAsync(response, address, ct);
            }
        }
    }

    /// <summary>
    /// Downloads the blob to <paramref name="destinationPath"/>, verifying its sha256. The bytes go first to
    /// <c>destinationPath + ".partial"</c>; a download cut off midway resumes from there on the next call. On a hash
    /// mismatch both files are removed and <see cref="BlobIntegrityException"/> is thrown.
    /// </summary>
    public async Task DownloadAsync(BlobAddress address, string destinationPath, CancellationToken ct = default)
    {
        var destination = Path.GetFullPath(destinationPath);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var partial = destination + ".partial";
        var resumeAt = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        var hash = await FetchAsync(address, partial, resumeAt, ct);
        if (hash is null)
        {
            // The server cannot continue from where the partial file ends (it is as long as the blob or longer).
            File.Delete(partial);
            hash = await FetchAsync(address, partial, 0, ct);
        }

        BlobAddress actual;
        using (hash)
            actual = BlobAddress.FromHash(hash!.GetHashAndReset());
        if (actual != address)
        {
            File.Delete(partial);
            File.Delete(destination);
            throw new BlobIntegrityException(address, actual,
                $"Storage at {BaseUrl} sent bytes for {address} that hash to {actual}; the download was discarded.");
        }
        File.Move(partial, destination, overwrite: true);
    }

    /// <summary>
    /// Fetches the blob from byte <paramref name="offset"/> into <paramref name="partial"/> and returns the hash of the
    /// whole file, or null when the server says that offset is past the end.
    /// </summary>
    private async Task<IncrementalHash?> FetchAsync(BlobAddress address, string partial, long offset, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BlobUri(address));
        if (offset > 0)
            request.Headers.Range = new RangeHeaderValue(offset, null);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (offset > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            return null;
        if (response.StatusCode == HttpStatusCode.NotFound)
            File.Delete(partial);
        if (!response.IsSuccessStatusCode)
            throw await FailureAsync(response, address, ct);

        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            // A server that ignores the range sends the whole blob again: start the file over.
            var resumed = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == offset;
            if (resumed)
            {
                StorageLog.DownloadResumed(_logger, address, offset);
                await using var existing = HashingCopy.OpenSequentialRead(partial);
                await HashingCopy.HashAsync(existing, hash, ct);
            }

            await using var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            try
            {
                await HashingCopy.CopyAsync(body, file, hash, long.MaxValue, ct);
            }
            catch (Exception e) when (e is HttpIOException or HttpRequestException or IOException { InnerException: SocketException })
            {
                throw new StorageUnavailableException(BaseUrl,
                    $"Download of {address} from {BaseUrl} was cut off after {file.Length} bytes; calling again resumes it.", e);
            }
            return hash;
        }
        catch
        {
            hash.Dispose();
            throw;
        }
    }

    private async Task<BlobAddress> PutStagedAsync(Stream content, CancellationToken ct)
    {
        var staged = Path.Combine(Path.GetTempPath(), $"hearth-upload-{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                await content.CopyToAsync(file, ct);
            return await PutFileAsync(staged, ct);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    private Uri BlobUri(BlobAddress address) => new(BaseUrl, $"blobs/{address.Hex}");

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                ? "connection refused (is the storage service running?)"
                : e.Message;
            throw new StorageUnavailableException(BaseUrl, $"Storage at {BaseUrl} is unreachable: {reason}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested && e.InnerException is TimeoutException)
        {
            throw new StorageUnavailableException(BaseUrl, $"Storage at {BaseUrl} did not answer within {_http.Timeout}.", e);
        }
    }

    private async Task<StorageException> FailureAsync(HttpResponseMessage response, BlobAddress address, CancellationToken ct)
    {
        var detail = await ProblemDetailAsync(response, ct);
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => new BlobNotFoundException(address, $"Storage at {BaseUrl} has no blob {address}: {detail}"),
            HttpStatusCode.RequestEntityTooLarge => new BlobTooLargeException(-1, $"Storage at {BaseUrl} refused {address}: {detail}"),
            _ => new StorageRequestException(response.StatusCode, $"Storage at {BaseUrl} answered {(int)response.StatusCode} {response.ReasonPhrase} for {address}: {detail}"),
        };
    }

    /// <summary>The problem-details "detail" of an error response, or a short form of whatever body came back.</summary>
    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken ct) =>
        (await ProblemAsync(response, ct)).Detail;

    /// <summary>The problem-details title (null when none) and "detail" of an error response.</summary>
    private static async Task<(string? Title, string Detail)> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(ct);
            if ((problem?.Detail ?? problem?.Title) is { } text)
                return (problem?.Title, text);
        }
        var body = await response.Content.ReadAsStringAsync(ct);
        return (null, body.Length == 0 ? "(no details given)" : body.Length > 200 ? body[..200] + "…" : body);
    }

    private sealed record ProblemBody(string? Title, string? Detail);
}
