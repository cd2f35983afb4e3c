using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hearth.Storage.Tests;

public sealed class HttpApiTests : ServerTest
{
    [Fact]
    public async Task Put_creates_then_reports_already_there()
    {
        var content = Build.Content(5000);
        var address = BlobAddress.Compute(content);

        using var first = await Http.PutAsync($"blobs/{address}", new ByteArrayContent(content));
        using var second = await Http.PutAsync($"blobs/{address}", new ByteArrayContent(content));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal($"/blobs/{address}", first.Headers.Location?.OriginalString);
        Assert.Equal(new BlobPutResponse(address.Hex, 5000), await first.Content.ReadFromJsonAsync<BlobPutResponse>());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(content, await File.ReadAllBytesAsync(Server.Store.PathOf(address)));
    }

    [Fact]
    public async Task Post_computes_the_address()
    {
        var content = Build.Content(777);

        using var response = await Http.PostAsync("blobs", new ByteArrayContent(content));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(BlobAddress.Compute(content).Hex, json.RootElement.GetProperty("sha256").GetString());
        Assert.Equal(777, json.RootElement.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Put_with_wrong_hash_is_422_and_stores_nothing()
    {
        var claimed = BlobAddress.Compute("the real content"u8);

        using var response = await Http.PutAsync($"blobs/{claimed}", new ByteArrayContent(Build.Content(100)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Contains($"not to the address {claimed}", problem.Detail);
        Assert.Contains("nothing was stored", problem.Detail);
        Assert.Empty(StoredFiles());
    }

    [Theory]
    [InlineData("..%2Fetc%2Fpasswd")]
    [InlineData("..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("ba7816bf8f01cfea")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015az")]
    public async Task Malformed_address_is_400_for_every_verb(string address)
    {
        var uri = new Uri(Server.BaseUrl, $"blobs/{address}");

        using var put = await Http.PutAsync(uri, new ByteArrayContent([1, 2, 3]));
        using var get = await Http.GetAsync(uri);
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, uri));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, head.StatusCode);
        Assert.Contains("64 lowercase hex characters", (await ProblemAsync(get)).Detail);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task Dot_segments_never_reach_the_store()
    {
        await File.WriteAllTextAsync(Dir.Sub("secret"), "outside the store");

        using var response = await Http.GetAsync("blobs/%2E%2E/%2E%2E/secret");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("outside the store", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Declared_length_over_the_limit_is_413_before_any_byte_is_stored()
    {
        var content = Build.Content((int)Limit + 1);
        var request = new HttpRequestMessage(HttpMethod.Put, $"blobs/{BlobAddress.Compute(content)}") { Content = new ByteArrayContent(content) };
        // Without it the server's early answer races the client still sending; StorageClient asks for it too.
        request.Headers.ExpectContinue = true;

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"limit of {Limit} bytes", (await ProblemAsync(response)).Detail);
        Assert.Empty(StoredFiles());
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Streamed_upload_over_the_limit_is_cut_off_and_leaves_nothing()
    {
        var endless = new CountingStream(totalBytes: 64 * Limit);
        var request = new HttpRequestMessage(HttpMethod.Post, "blobs") { Content = new StreamContent(endless) };
        request.Headers.TransferEncodingChunked = true;

        HttpStatusCode? status = null;
        HttpRequestException? cutOff = null;
        try
        {
            using var response = await Http.SendAsync(request);
            status = response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            // The server may close the connection while the client is still sending; either way it stopped reading.
            cutOff = e;
        }

        Assert.True(status == HttpStatusCode.RequestEntityTooLarge || cutOff is not null, $"status {status}");
        Assert.True(endless.BytesRead < endless.TotalBytes, "the server read the whole oversized body");
        Assert.Empty(StoredFiles());
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Range_reads_first_middle_and_suffix_bytes()
    {
        var content = Build.Content(1000);
        var address = await PutAsync(content);

        Assert.Equal(content[..100], await RangeAsync(address, new RangeHeaderValue(0, 99)));
        Assert.Equal(content[250..500], await RangeAsync(address, new RangeHeaderValue(250, 499)));
        Assert.Equal(content[900..], await RangeAsync(address, new RangeHeaderValue(null, 100)));
        Assert.Equal(content[990..], await RangeAsync(address, new RangeHeaderValue(990, null)));
    }

    [Fact]
    public async Task Unsatisfiable_range_is_416()
    {
        var address = await PutAsync(Build.Content(1000));
        var request = new HttpRequestMessage(HttpMethod.Get, $"blobs/{address}");
        request.Headers.Range = new RangeHeaderValue(1000, 2000);

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal(1000, response.Content.Headers.ContentRange?.Length);
    }

    [Fact]
    public async Task Get_and_head_of_a_stored_blob()
    {
        var content = Build.Content(4321);
        var address = await PutAsync(content);

        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"blobs/{address}"));
        var body = await Http.GetByteArrayAsync($"blobs/{address}");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(4321, head.Content.Headers.ContentLength);
        Assert.Equal($"\"{address}\"", head.Headers.ETag?.Tag);
        Assert.Contains("bytes", head.Headers.AcceptRanges);
        Assert.Equal(content, body);
    }

    [Fact]
    public async Task Missing_blob_is_404_with_a_clear_message()
    {
        var address = BlobAddress.Compute("never stored"u8);

        using var get = await Http.GetAsync($"blobs/{address}");
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"blobs/{address}"));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        var problem = await ProblemAsync(get);
        Assert.Equal("Blob not found", problem.Title);
        Assert.Equal($"No blob with address {address} is stored here.", problem.Detail);
    }

    private async Task AssertStillServesAsync()
    {
        var content = Build.Content(64, seed: 99);
        var address = await PutAsync(content);
        Assert.Equal(content, await Http.GetByteArrayAsync($"blobs/{address}"));
    }

    private async Task<BlobAddress> PutAsync(byte[] content)
    {
        var address = BlobAddress.Compute(content);
        using var response = await Http.PutAsync($"blobs/{address}", new ByteArrayContent(content));
        response.EnsureSuccessStatusCode();
        return address;
    }

    private async Task<byte[]> RangeAsync(BlobAddress address, RangeHeaderValue range)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"blobs/{address}") { Headers = { Range = range } };
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<Problem> ProblemAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<Problem>() ?? throw new InvalidOperationException("empty problem body");

    private sealed record Problem(string? Title, string? Detail, int? Status);
}
