using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Hearth.Storage.Http;

namespace Hearth.Storage.Client;

/// <summary>The batch API: many small blobs stored, or looked up, in few requests.</summary>
public sealed partial class StorageClient
{
    /// <summary>
    /// Most blobs sent in one batch upload or lookup; keep it at or under the server's
    /// <see cref="StorageOptions.MaxBatchBlobs"/>. Default <see cref="StorageOptions.DefaultMaxBatchBlobs"/>.
    /// </summary>
    public int MaxBatchBlobs
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = StorageOptions.DefaultMaxBatchBlobs;

    /// <summary>
    /// Largest body of one batch upload, 8 bytes of length prefix a blob included; keep it at or under the server's
    /// <see cref="StorageOptions.MaxBatchBytes"/>. Default <see cref="StorageOptions.DefaultMaxBatchBytes"/>.
    /// </summary>
    public long MaxBatchBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, BlobBatchFormat.LengthPrefixBytes);
            field = value;
        }
    } = StorageOptions.DefaultMaxBatchBytes;

    /// <summary>
    /// Uploads <paramref name="blobs"/> and returns their addresses in the same order, each checked against the
    /// server's answer. The blobs go in as few <c>POST /blobs/batch</c> requests as <see cref="MaxBatchBlobs"/> and
    /// <see cref="MaxBatchBytes"/> allow, one after another; a blob too large for a batch on its own goes alone with
    /// <see cref="PutAsync"/>. When a request fails, the blobs of the requests before it stay stored.
    /// </summary>
    public async Task<IReadOnlyList<BlobAddress>> PutManyAsync(IReadOnlyList<ReadOnlyMemory<byte>> blobs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var addresses = new BlobAddress[blobs.Count];
        for (var i = 0; i < blobs.Count; i++)
            addresses[i] = BlobAddress.Compute(blobs[i].Span);

        var start = 0;
        while (start < blobs.Count)
        {
            if (BlobBatchFormat.RecordBytes(blobs[start].Length) > MaxBatchBytes)
            {
                await using var alone = StreamOver(blobs[start]);
                await PutAsync(alone, ct);
                start++;
                continue;
            }

            var end = start;
            long bodyBytes = 0;
            while (end < blobs.Count && end - start < MaxBatchBlobs && bodyBytes + BlobBatchFormat.RecordBytes(blobs[end].Length) <= MaxBatchBytes)
                bodyBytes += BlobBatchFormat.RecordBytes(blobs[end++].Length);
            await PutBatchAsync(blobs, addresses, start, end - start, bodyBytes, ct);
            start = end;
        }
        return addresses;
    }

    /// <summary>
    /// The addresses among <paramref name="addresses"/> that the server holds, asked with <c>POST /blobs/exists</c> in
    /// requests of at most <see cref="MaxBatchBlobs"/> addresses.
    /// </summary>
    public async Task<IReadOnlySet<BlobAddress>> WhichExistAsync(IReadOnlyCollection<BlobAddress> addresses, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var present = new HashSet<BlobAddress>();
        foreach (var asked in addresses.Distinct().Chunk(MaxBatchBlobs))
        {
            var what = $"a lookup of {asked.Length} blobs";
            var body = JsonSerializer.SerializeToUtf8Bytes(new BlobExistsRequest([.. asked.Select(a => a.Hex)]));
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, "blobs/exists")) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            if (response.StatusCode != HttpStatusCode.OK)
                throw await BatchFailureAsync(response, what, ct);

            var answer = await ReadAnswerAsync<BlobExistsResponse>(response, what, ct);
            foreach (var text in answer.Present ?? [])
            {
                if (!BlobAddress.TryParse(text, out var address) || Array.IndexOf(asked, address) < 0)
                    throw new StorageException($"Storage at {BaseUrl} answered {what} with '{text}', which was not asked for.");
                present.Add(address);
            }
        }
        return present;
    }

    private async Task PutBatchAsync(IReadOnlyList<ReadOnlyMemory<byte>> blobs, BlobAddress[] addresses, int start, int count, long bodyBytes, CancellationToken ct)
    {
        var what = count == blobs.Count ? $"a batch of {count} blobs" : $"a batch of {count} blobs (from index {start} of {blobs.Count})";
        var content = new BatchContent(Enumerable.Range(start, count).Select(i => blobs[i]), bodyBytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, "blobs/batch")) { Content = content };
        // The server answers before the body is sent when the batch is over its limits.
        request.Headers.ExpectContinue = true;
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw await BatchFailureAsync(response, what, ct);

        var answer = await ReadAnswerAsync<BlobBatchResponse>(response, what, ct);
        if (answer.Blobs?.Count != count)
            throw new StorageException($"Storage at {BaseUrl} answered {what} with {answer.Blobs?.Count ?? 0} entries.");
        for (var i = 0; i < count; i++)
        {
            var (entry, expected, size) = (answer.Blobs[i], addresses[start + i], blobs[start + i].Length);
            if (entry?.Sha256 != expected.Hex || entry.Size != size)
                throw new BlobIntegrityException(expected, BlobAddress.TryParse(entry?.Sha256, out var actual) ? actual : null,
                    $"Storage at {BaseUrl} stored blob {start + i} of {what} as {entry?.Sha256 ?? "nothing"} ({entry?.Size ?? 0} bytes), " +
                    $"but it hashes here to {expected} ({size} bytes).");
        }
    }

    private async Task<T> ReadAnswerAsync<T>(HttpResponseMessage response, string what, CancellationToken ct) where T : class
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ct)
                ?? throw new StorageException($"Storage at {BaseUrl} answered {what} with an empty body.");
        }
        catch (JsonException e)
        {
            throw new StorageException($"Storage at {BaseUrl} answered {what} with JSON this client cannot read: {e.Message}", e);
        }
    }

    private async Task<StorageException> BatchFailureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var (title, detail) = await ProblemAsync(response, ct);
        var hint = response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed ? " (is the server older than the batch API?)" : "";
        var message = $"Storage at {BaseUrl} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}: {detail}{hint}";
        return response.StatusCode == HttpStatusCode.RequestEntityTooLarge && title == StorageEndpoints.BlobTooLargeTitle
            ? new BlobTooLargeException(-1, message)
            : new StorageRequestException(response.StatusCode, message);
    }

    private static MemoryStream StreamOver(ReadOnlyMemory<byte> blob) =>
        MemoryMarshal.TryGetArray(blob, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(blob.ToArray(), writable: false);

    /// <summary>A batch upload body, written straight from the caller's buffers.</summary>
    private sealed class BatchContent : HttpContent
    {
        private readonly IEnumerable<ReadOnlyMemory<byte>> _blobs;
        private readonly long _length;

        public BatchContent(IEnumerable<ReadOnlyMemory<byte>> blobs, long length)
        {
            _blobs = blobs;
            _length = length;
            Headers.ContentType = new MediaTypeHeaderValue(StorageEndpoints.OctetStream);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct) =>
            BlobBatchFormat.WriteAsync(stream, _blobs, ct);

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
