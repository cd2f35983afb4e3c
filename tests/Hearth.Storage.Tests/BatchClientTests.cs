using System.Net;
using System.Text;
using Hearth.Storage.Client;

namespace Hearth.Storage.Tests;

/// <summary><see cref="StorageClient.PutManyAsync"/> and <see cref="StorageClient.WhichExistAsync"/>; server limits: 1 MiB a blob, 16 blobs, 3 MiB a batch.</summary>
public sealed class BatchClientTests : ServerTest
{
    private const int ServerMaxBlobs = 16;

    protected override StorageOptions Options()
    {
        var options = base.Options();
        options.MaxBatchBlobs = ServerMaxBlobs;
        options.MaxBatchBytes = 3 * Limit;
        return options;
    }

    [Fact]
    public async Task PutMany_returns_the_addresses_in_order_and_stores_every_blob()
    {
        var recorder = new RecordingHandler();
        var client = Build.Client(Server.BaseUrl, recorder);
        var already = Build.Content(2000, seed: 1);
        await client.PutAsync(new MemoryStream(already));
        byte[][] blobs = [Build.Content(300, seed: 2), already, [], Build.Content((int)Limit, seed: 3)];

        var addresses = await client.PutManyAsync(Memories(blobs));

        Assert.Equal(blobs.Select(b => BlobAddress.Compute(b)), addresses);
        foreach (var blob in blobs)
            Assert.Equal(blob, await Http.GetByteArrayAsync($"blobs/{BlobAddress.Compute(blob)}"));
        Assert.Equal(["PUT", "POST /blobs/batch"], recorder.Requests.Select(r => r.StartsWith("PUT") ? "PUT" : r));
    }

    [Fact]
    public async Task PutMany_splits_at_the_client_s_blob_count()
    {
        var recorder = new RecordingHandler();
        var client = new StorageClient(Build.Http(Server.BaseUrl, recorder)) { MaxBatchBlobs = 3 };
        var blobs = Enumerable.Range(0, 10).Select(i => Build.Content(100, seed: i)).ToArray();

        var addresses = await client.PutManyAsync(Memories(blobs));

        Assert.Equal(blobs.Select(b => BlobAddress.Compute(b)), addresses);
        Assert.Equal(Enumerable.Repeat("POST /blobs/batch", 4), recorder.Requests);
        Assert.Equal(10, StoredFiles().Length);
    }

    [Fact]
    public async Task PutMany_splits_at_the_client_s_batch_bytes_and_sends_a_blob_too_big_for_any_batch_alone()
    {
        var recorder = new RecordingHandler();
        var client = new StorageClient(Build.Http(Server.BaseUrl, recorder)) { MaxBatchBytes = 3 * (8 + 100) };
        var small = Enumerable.Range(0, 4).Select(i => Build.Content(100, seed: i)).ToArray();
        var big = Build.Content(1000, seed: 9);
        byte[][] blobs = [small[0], small[1], small[2], big, small[3]];

        var addresses = await client.PutManyAsync(Memories(blobs));

        Assert.Equal(blobs.Select(b => BlobAddress.Compute(b)), addresses);
        Assert.Equal(["POST /blobs/batch", $"PUT /blobs/{BlobAddress.Compute(big)}", "POST /blobs/batch"], recorder.Requests);
        Assert.All(blobs, b => Assert.True(File.Exists(Server.Store.PathOf(BlobAddress.Compute(b)))));
    }

    [Fact]
    public async Task PutMany_of_slices_of_one_buffer()
    {
        var client = Build.Client(Server.BaseUrl);
        var buffer = Build.Content(1000);
        ReadOnlyMemory<byte>[] slices = [buffer.AsMemory(0, 10), buffer.AsMemory(10, 500), buffer.AsMemory(990)];

        var addresses = await client.PutManyAsync(slices);

        Assert.Equal(slices.Select(s => BlobAddress.Compute(s.Span)), addresses);
        Assert.Equal(buffer[10..510], await Http.GetByteArrayAsync($"blobs/{addresses[1]}"));
    }

    [Fact]
    public async Task PutMany_of_nothing_sends_nothing()
    {
        var recorder = new RecordingHandler();

        var addresses = await Build.Client(Server.BaseUrl, recorder).PutManyAsync([]);

        Assert.Empty(addresses);
        Assert.Empty(recorder.Requests);
    }

    [Fact]
    public async Task PutMany_over_the_server_s_blob_limit_throws_too_large_and_stores_nothing()
    {
        var client = Build.Client(Server.BaseUrl);

        var error = await Assert.ThrowsAsync<BlobTooLargeException>(() => client.PutManyAsync(Memories(Build.Content(10), Build.Content((int)Limit + 1))));

        Assert.Contains($"over this store's limit of {Limit} bytes per blob", error.Message);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task PutMany_with_limits_above_the_server_s_throws_a_request_error_naming_the_limit()
    {
        var client = new StorageClient(Build.Http(Server.BaseUrl)) { MaxBatchBlobs = 100 };
        var blobs = Enumerable.Range(0, ServerMaxBlobs + 1).Select(i => Build.Content(10, seed: i)).ToArray();

        var error = await Assert.ThrowsAsync<StorageRequestException>(() => client.PutManyAsync(Memories(blobs)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, error.StatusCode);
        Assert.Contains($"for a batch of {ServerMaxBlobs + 1} blobs: The batch has more than {ServerMaxBlobs} blobs", error.Message);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task PutMany_rejects_an_answer_naming_another_address()
    {
        var blob = Build.Content(10);
        var other = BlobAddress.Compute("something else"u8);
        var client = Build.Client(Server.BaseUrl, new StubHandler(HttpStatusCode.OK, $$"""{"blobs": [{"sha256": "{{other}}", "size": 10, "created": true}]}"""));

        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => client.PutManyAsync(Memories(blob)));

        Assert.Equal(BlobAddress.Compute(blob), error.Expected);
        Assert.Equal(other, error.Actual);
        Assert.Contains($"stored blob 0 of a batch of 1 blobs as {other}", error.Message);
    }

    [Theory]
    [InlineData("""{"blobs": []}""", "with 0 entries")]
    [InlineData("""{"blobs": [""", "JSON this client cannot read")]
    public async Task PutMany_rejects_an_answer_it_cannot_use(string answer, string expected)
    {
        var client = Build.Client(Server.BaseUrl, new StubHandler(HttpStatusCode.OK, answer));

        var error = await Assert.ThrowsAsync<StorageException>(() => client.PutManyAsync(Memories(Build.Content(10))));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Server_without_the_batch_api_gives_a_hint()
    {
        var client = Build.Client(Server.BaseUrl, new StubHandler(HttpStatusCode.MethodNotAllowed, ""));

        var error = await Assert.ThrowsAsync<StorageRequestException>(() => client.WhichExistAsync([BlobAddress.Compute("x"u8)]));

        Assert.Contains("is the server older than the batch API?", error.Message);
    }

    [Fact]
    public async Task WhichExist_returns_the_present_ones_asking_in_requests_of_the_client_s_size()
    {
        var recorder = new RecordingHandler();
        var client = new StorageClient(Build.Http(Server.BaseUrl, recorder)) { MaxBatchBlobs = 2 };
        var stored = await Build.Client(Server.BaseUrl).PutManyAsync(Memories(Build.Content(10, seed: 1), Build.Content(10, seed: 2), Build.Content(10, seed: 3)));
        BlobAddress[] absent = [BlobAddress.Compute("a"u8), BlobAddress.Compute("b"u8)];

        var present = await client.WhichExistAsync([absent[0], stored[0], stored[1], absent[1], stored[2], stored[0]]);

        Assert.Equal(stored.ToHashSet(), present.ToHashSet());
        Assert.Equal(Enumerable.Repeat("POST /blobs/exists", 3), recorder.Requests);
        Assert.Empty(await client.WhichExistAsync([]));
    }

    [Fact]
    public async Task WhichExist_rejects_an_answer_naming_an_address_not_asked_for()
    {
        var other = BlobAddress.Compute("not asked"u8);
        var client = Build.Client(Server.BaseUrl, new StubHandler(HttpStatusCode.OK, $$"""{"present": ["{{other}}"], "missing": []}"""));

        var error = await Assert.ThrowsAsync<StorageException>(() => client.WhichExistAsync([BlobAddress.Compute("asked"u8)]));

        Assert.Contains($"with '{other}', which was not asked for", error.Message);
    }

    [Fact]
    public async Task Server_down_gives_a_clear_error_naming_the_url()
    {
        var url = new Uri($"http://127.0.0.1:{Build.ClosedPort()}/");
        var client = Build.Client(url);

        var put = await Assert.ThrowsAsync<StorageUnavailableException>(() => client.PutManyAsync(Memories(Build.Content(10))));
        var exists = await Assert.ThrowsAsync<StorageUnavailableException>(() => client.WhichExistAsync([BlobAddress.Compute("x"u8)]));

        Assert.Equal($"Storage at {url} is unreachable: connection refused (is the storage service running?)", put.Message);
        Assert.Equal(url, exists.BaseUrl);
    }

    [Fact]
    public void Client_limits_must_be_usable()
    {
        var http = Build.Http(Server.BaseUrl);

        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageClient(http) { MaxBatchBlobs = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageClient(http) { MaxBatchBytes = 7 });
    }

    private static ReadOnlyMemory<byte>[] Memories(params byte[][] blobs) => [.. blobs.Select(b => (ReadOnlyMemory<byte>)b)];

    /// <summary>A server that answers every request with the same status and JSON body, to play a broken one.</summary>
    private sealed class StubHandler(HttpStatusCode status, string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json"), RequestMessage = request });
    }
}
