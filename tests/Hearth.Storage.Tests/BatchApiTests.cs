using System.Net;
using System.Net.Http.Json;
using System.Text;
using Hearth.Storage.Http;

namespace Hearth.Storage.Tests;

/// <summary><c>POST /blobs/batch</c> and <c>POST /blobs/exists</c> over HTTP; limits: 1 MiB a blob, 16 blobs, 3 MiB a batch.</summary>
public sealed class BatchApiTests : ServerTest
{
    private const int MaxBlobs = 16;
    private const long MaxBatchBytes = 3 * Limit;

    protected override StorageOptions Options()
    {
        var options = base.Options();
        options.MaxBatchBlobs = MaxBlobs;
        options.MaxBatchBytes = MaxBatchBytes;
        return options;
    }

    [Fact]
    public async Task Batch_stores_each_blob_as_a_single_put_would()
    {
        var alreadyStored = Build.Content(3000, seed: 1);
        await PutAsync(alreadyStored);
        var fresh = Build.Content(500, seed: 2);
        var atTheLimit = Build.Content((int)Limit, seed: 3);
        byte[] empty = [];
        byte[][] blobs = [fresh, alreadyStored, empty, atTheLimit, fresh];

        using var response = await Http.PostAsync("blobs/batch", BatchBody.Content(BatchBody.Of(blobs)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<BlobBatchResponse>();
        Assert.Equal(
            [
                new BlobBatchEntry(BlobAddress.Compute(fresh).Hex, 500, Created: true),
                new BlobBatchEntry(BlobAddress.Compute(alreadyStored).Hex, 3000, Created: false),
                new BlobBatchEntry(BlobAddress.Compute(empty).Hex, 0, Created: true),
                new BlobBatchEntry(BlobAddress.Compute(atTheLimit).Hex, Limit, Created: true),
                new BlobBatchEntry(BlobAddress.Compute(fresh).Hex, 500, Created: false),
            ],
            answer!.Blobs);
        foreach (var blob in blobs)
            Assert.Equal(blob, await Http.GetByteArrayAsync($"blobs/{BlobAddress.Compute(blob)}"));
        Assert.Equal(4, StoredFiles().Length);
        Assert.Empty(Dir.Files(Path.Combine("store", FileBlobStore.IncomingFolderName)));
    }

    [Fact]
    public async Task Truncated_length_prefix_is_400_and_stores_nothing()
    {
        var body = BatchBody.Of(Build.Content(100)).Concat(BatchBody.Prefix(100)[..5]).ToArray();

        var problem = await RejectedAsync(body, HttpStatusCode.BadRequest, "Malformed batch");

        Assert.Contains("ends 5 bytes into the length prefix of the blob at index 1", problem.Detail);
    }

    [Fact]
    public async Task Length_beyond_the_end_of_the_body_is_400_and_stores_nothing()
    {
        var body = BatchBody.Of(Build.Content(100)).Concat(BatchBody.Prefix(1000)).Concat(Build.Content(999)).ToArray();

        var problem = await RejectedAsync(body, HttpStatusCode.BadRequest, "Malformed batch");

        Assert.Contains("The blob at index 1 declares 1000 bytes but the body ends after 999 of them.", problem.Detail);
    }

    [Fact]
    public async Task Blob_over_the_blob_limit_is_413_and_stores_nothing()
    {
        var body = BatchBody.Of(Build.Content(100), Build.Content((int)Limit + 1));

        var problem = await RejectedAsync(body, HttpStatusCode.RequestEntityTooLarge, "Blob too large");

        Assert.Contains($"The blob at index 1 declares {Limit + 1} bytes, over this store's limit of {Limit} bytes per blob", problem.Detail);
    }

    [Fact]
    public async Task Length_prefix_beyond_any_size_is_413()
    {
        var problem = await RejectedAsync(BatchBody.Prefix(ulong.MaxValue), HttpStatusCode.RequestEntityTooLarge, "Blob too large");

        Assert.Contains($"declares {ulong.MaxValue} bytes", problem.Detail);
    }

    [Fact]
    public async Task Too_many_blobs_is_413_and_stores_nothing()
    {
        var body = BatchBody.Of([.. Enumerable.Range(0, MaxBlobs + 1).Select(i => Build.Content(10, seed: i))]);

        var problem = await RejectedAsync(body, HttpStatusCode.RequestEntityTooLarge, "Too many blobs");

        Assert.Contains($"more than {MaxBlobs} blobs", problem.Detail);
    }

    [Fact]
    public async Task Blobs_adding_up_over_the_batch_limit_are_413_before_the_last_is_read()
    {
        // Two blobs at the limit, then a third one declared: its bytes never come, it is refused on its length.
        var body = BatchBody.Of(Build.Content((int)Limit, seed: 1), Build.Content((int)Limit, seed: 2)).Concat(BatchBody.Prefix((ulong)Limit)).ToArray();

        var problem = await RejectedAsync(body, HttpStatusCode.RequestEntityTooLarge, "Batch too large");

        Assert.Contains($"The blob at index 2 takes the batch over this store's limit of {MaxBatchBytes} bytes per batch", problem.Detail);
    }

    [Fact]
    public async Task Declared_body_over_the_batch_limit_is_413_before_any_byte_is_read()
    {
        var body = new CountingStream(MaxBatchBytes + 1);
        var content = new StreamContent(body);
        content.Headers.ContentType = new("application/octet-stream");
        content.Headers.ContentLength = MaxBatchBytes + 1;
        var request = new HttpRequestMessage(HttpMethod.Post, "blobs/batch") { Content = content };
        request.Headers.ExpectContinue = true;

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"limit of {MaxBatchBytes} bytes per batch", (await ProblemAsync(response)).Detail);
        Assert.Equal(0, body.BytesRead);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task Streamed_body_over_the_batch_limit_is_cut_off_and_stores_nothing()
    {
        // Chunked, no length: four records of a full blob each, one more than the batch takes.
        var blob = Build.Content((int)Limit);
        var body = new NonSeekableStream(new MemoryStream(BatchBody.Of(blob, blob, blob, blob)));
        var content = new StreamContent(body);
        content.Headers.ContentType = new("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, "blobs/batch") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        HttpStatusCode? status = null;
        try
        {
            using var response = await Http.SendAsync(request);
            status = response.StatusCode;
            // The rest of the body stays unread: the connection cannot serve another request.
            Assert.True(response.Headers.ConnectionClose);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending; either way it stopped reading.
        }

        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"status {status}");
        Assert.Empty(StoredFiles());
        await PutAsync(Build.Content(64, seed: 99));
    }

    [Fact]
    public async Task Empty_body_is_400()
    {
        var problem = await RejectedAsync([], HttpStatusCode.BadRequest, "Empty batch");

        Assert.Contains("The batch is empty", problem.Detail);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Other_media_type_is_415(string? mediaType)
    {
        using var response = await Http.PostAsync("blobs/batch", BatchBody.Content(BatchBody.Of(Build.Content(10)), mediaType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("This endpoint takes application/octet-stream", (await ProblemAsync(response)).Detail);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task Exists_lists_present_and_missing_in_request_order()
    {
        var stored = await PutAsync(Build.Content(10, seed: 1));
        var alsoStored = await PutAsync(Build.Content(10, seed: 2));
        var absent = BlobAddress.Compute("never stored"u8);

        var answer = await ExistsAsync(new { blobs = new[] { alsoStored.Hex, absent.Hex, stored.Hex } });

        Assert.Equal([alsoStored.Hex, stored.Hex], answer.Present);
        Assert.Equal([absent.Hex], answer.Missing);
    }

    [Fact]
    public async Task Exists_with_no_addresses_answers_empty_lists()
    {
        var answer = await ExistsAsync(new { blobs = Array.Empty<string>() });

        Assert.Empty(answer.Present);
        Assert.Empty(answer.Missing);
    }

    [Theory]
    [InlineData("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("ba7816bf8f01cfea")]
    [InlineData("../../etc/passwd")]
    [InlineData(null)]
    public async Task Exists_with_a_malformed_address_is_400_naming_it(string? text)
    {
        var good = BlobAddress.Compute("fine"u8).Hex;

        using var response = await Http.PostAsJsonAsync("blobs/exists", new { blobs = new[] { good, text } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("Malformed blob address", problem.Title);
        Assert.StartsWith("blobs[1]: ", problem.Detail);
        Assert.Contains("64 lowercase hex characters", problem.Detail);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""["a list, not an object"]""")]
    [InlineData("""{"blobs": 5}""")]
    [InlineData("""{"blobs": [1, 2]}""")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("")]
    public async Task Exists_with_a_malformed_body_is_400(string json)
    {
        using var response = await Http.PostAsync("blobs/exists", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("Malformed lookup", problem.Title);
        Assert.Contains("""{"blobs": ["<64 lowercase hex>", ...]}""", problem.Detail);
    }

    [Fact]
    public async Task Exists_with_too_many_addresses_is_413()
    {
        var addresses = Enumerable.Range(0, MaxBlobs + 1).Select(i => BlobAddress.Compute(Build.Content(4, seed: i)).Hex).ToArray();

        using var response = await Http.PostAsJsonAsync("blobs/exists", new { blobs = addresses });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("Too many blobs", problem.Title);
        Assert.Contains($"names {MaxBlobs + 1} blobs, over this store's limit of {MaxBlobs}", problem.Detail);
    }

    [Fact]
    public async Task Exists_with_a_huge_body_is_413()
    {
        var padding = new string(' ', (int)BlobBatchEndpoints.ExistsBodyLimit(MaxBlobs));
        var request = new HttpRequestMessage(HttpMethod.Post, "blobs/exists")
        {
            Content = new StringContent($$"""{"blobs": []{{padding}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        using var declared = await Http.SendAsync(request);
        var streamed = new StreamContent(new NonSeekableStream(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"blobs": []{{padding}}}"""))));
        streamed.Headers.ContentType = new("application/json");
        using var chunked = await Http.PostAsync("blobs/exists", streamed);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal("Lookup too large", (await ProblemAsync(chunked)).Title);
    }

    [Fact]
    public async Task Exists_with_another_media_type_is_415()
    {
        var json = $$"""{"blobs": ["{{BlobAddress.Compute("x"u8)}}"]}""";

        using var response = await Http.PostAsync("blobs/exists", new StringContent(json, Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("This endpoint takes application/json", (await ProblemAsync(response)).Detail);
    }

    /// <summary>Posts <paramref name="body"/> as a batch, checks the problem answered, and that nothing was stored.</summary>
    private async Task<Problem> RejectedAsync(byte[] body, HttpStatusCode status, string title)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "blobs/batch") { Content = BatchBody.Content(body) };
        request.Headers.ExpectContinue = true;

        using var response = await Http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ProblemAsync(response);
        Assert.Equal(title, problem.Title);
        Assert.EndsWith("none of its blobs was stored.", problem.Detail);
        Assert.Empty(StoredFiles());
        return problem;
    }

    private async Task<BlobExistsResponse> ExistsAsync(object query)
    {
        using var response = await Http.PostAsJsonAsync("blobs/exists", query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BlobExistsResponse>())!;
    }

    private async Task<BlobAddress> PutAsync(byte[] content)
    {
        var address = BlobAddress.Compute(content);
        using var response = await Http.PutAsync($"blobs/{address}", new ByteArrayContent(content));
        response.EnsureSuccessStatusCode();
        return address;
    }

    private static async Task<Problem> ProblemAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<Problem>() ?? throw new InvalidOperationException("empty problem body");

    private sealed record Problem(string? Title, string? Detail, int? Status);
}
