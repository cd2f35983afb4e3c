using System.Net;
using System.Net.Http.Json;
using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Hosting;
using Hearth.Storage;
using Hearth.Storage.Http;

namespace Hearth.Scheduler.Tests;

/// <summary>The exchange route: many reports and assignments in one request, each report judged on its own.</summary>
public sealed class ExchangeTests : IAsyncLifetime
{
    private TestNetwork _net = null!;
    private SchedulerServerHandle _server = null!;
    private HttpClient _http = null!;
    private StorageServerHandle _storage = null!;

    public async Task InitializeAsync()
    {
        _net = await TestNetwork.StartAsync(workers: 2);
        _storage = await StorageServer.StartAsync(new StorageOptions { RootPath = _net.Dir.File("results") });
        _server = await _net.StartSchedulerAsync(_net.Options(o =>
        {
            o.ResultStorageUrl = _storage.BaseUrl.AbsoluteUri;
            o.CheckResultBlobs = true;
        }));
        _http = new HttpClient { BaseAddress = _server.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _net.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private string Pool => _net.Pool.ToString();

    private TestWorker Worker(int i) => new(_server.BaseUrl, _net.WorkerKey(i), Pool, _net.Requester.Domain);

    /// <summary>Asks until <paramref name="count"/> assignments came (placement may hand them out over several rounds).</summary>
    private static async Task<List<Assignment>> TakeAsync(TestWorker worker, int count)
    {
        var taken = new List<Assignment>();
        while (taken.Count < count)
        {
            var (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(null, null, count - taken.Count), waitSeconds: 10);
            Assert.True(status == HttpStatusCode.OK, body);
            Assert.NotEmpty(answer!.Assignments);
            taken.AddRange(answer.Assignments);
        }
        return taken;
    }

    /// <summary>Stores an archive in the result storage; its sha256 is the digest a contribution names.</summary>
    private async Task<Hash32> StoreResultAsync(string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        await _storage.Store.PutAsync(new MemoryStream(bytes));
        return Hash32.Sha256(bytes);
    }

    [Fact]
    public async Task Each_report_of_an_exchange_is_judged_on_its_own()
    {
        using var worker = await Worker(0).LoginAsync(slots: 2);
        await _net.MatchAsync(volume: 2, trust: 1);
        var (a1, a2) = await TakeAsync(worker, 2) is [var x, var y] ? (x, y) : throw new InvalidOperationException();
        var d1 = await StoreResultAsync("result of " + a1.TaskId);
        var d2 = await StoreResultAsync("result of " + a2.TaskId);

        var signedForAnotherTask = worker.Contribution(a1, d2) with { ReplicateId = a2.ReplicateId };
        var unknown = worker.Contribution(a1, d1) with { ReplicateId = "r-nothing" };
        var notUploaded = worker.Contribution(a2, Hash32.Sha256("never stored"u8));
        var (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest([worker.Contribution(a1, d1), signedForAnotherTask, unknown, worker.Contribution(a1, d1)], null, 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal([200, 400, 404, 400], answer!.Outcomes.Select(o => o.Status));
        Assert.Contains("does not recover to worker", answer.Outcomes[1].Error);
        Assert.Contains("reported twice", answer.Outcomes[3].Error);

        (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest([worker.Contribution(a1, d1), notUploaded, worker.Contribution(a2, d2)], null, 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal([409, 409, 400], answer!.Outcomes.Select(o => o.Status));
        Assert.Contains("already has a contribution", answer.Outcomes[0].Error);
        Assert.Contains("not in the result storage", answer.Outcomes[1].Error);
        Assert.Contains("reported twice", answer.Outcomes[2].Error);

        (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest([worker.Contribution(a2, d2)], null, 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(200, answer!.Outcomes.Single().Status);

        foreach (var (a, d) in new[] { (a1, d1), (a2, d2) })
        {
            var task = await ReadApi.TaskWhereAsync(_http, a.TaskId, t => t.Status == "Settled", $"task {a.TaskId} settled");
            Assert.Equal(d.ToString(), task.Replicates.Single().Digest);
        }
    }

    [Fact]
    public async Task A_failure_travels_with_a_contribution_and_work_comes_back_with_the_answer()
    {
        using var worker = await Worker(0).LoginAsync(slots: 2);
        using var other = await Worker(1).LoginAsync(slots: 1);
        await _net.MatchAsync(volume: 2, trust: 1);
        var mine = await TakeAsync(worker, 1);
        var theirs = await TakeAsync(other, 1);
        var digest = await StoreResultAsync("result of " + theirs[0].TaskId);

        // The other worker gives its replicate back: it is placed again, on the only other worker.
        var (status, answer, body) = await other.ExchangeAsync(new ExchangeRequest(null, [new ReplicateFailure(theirs[0].ReplicateId, new FailureReport("download", "app checksum mismatch"))], 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(200, answer!.Outcomes.Single().Status);
        var again = await TakeAsync(worker, 1);
        Assert.Equal(theirs[0].TaskId, again[0].TaskId);

        var mineDigest = await StoreResultAsync("result of " + mine[0].TaskId);
        (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(
            [worker.Contribution(mine[0], mineDigest), worker.Contribution(again[0], digest)],
            [new ReplicateFailure(theirs[0].ReplicateId, new FailureReport("download", "again"))], 1));
        Assert.True(status == HttpStatusCode.OK, body);
        // The failure names a replicate of another worker: refused, and the contributions still count.
        Assert.Equal([200, 200, 403], answer!.Outcomes.Select(o => o.Status));
        var task = await ReadApi.TaskAsync(_http, theirs[0].TaskId);
        Assert.Contains("app checksum mismatch", task.Replicates.Single(r => r.ReplicateId == theirs[0].ReplicateId).Reason);
    }

    [Fact]
    public async Task Hostile_exchanges_are_refused_and_change_nothing()
    {
        using var worker = await Worker(0).LoginAsync(slots: 1);
        await _net.MatchAsync(volume: 1, trust: 1);
        var a = (await TakeAsync(worker, 1)).Single();
        var digest = await StoreResultAsync("result of " + a.TaskId);
        var contribution = worker.Contribution(a, digest);

        async Task Refused(HttpStatusCode expected, string fragment, HttpContent content, string query = "")
        {
            // Expect: 100-continue lets the server refuse a huge body before it is sent.
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/workers/exchange" + query) { Content = content, Headers = { ExpectContinue = true } };
            using var response = await worker.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
            Assert.Contains(fragment, text);
        }
        static HttpContent Json(string text) => new StringContent(text, Encoding.UTF8, "application/json");

        await Refused(HttpStatusCode.BadRequest, "want must be between 0 and 64", JsonContent.Create(new ExchangeRequest([contribution], null, -1)));
        await Refused(HttpStatusCode.BadRequest, "want must be between 0 and 64", JsonContent.Create(new ExchangeRequest([contribution], null, 65)));
        await Refused(HttpStatusCode.BadRequest, "at most 64 reports", JsonContent.Create(new ExchangeRequest([.. Enumerable.Repeat(contribution, 65)], null, 0)));
        await Refused(HttpStatusCode.BadRequest, "needs a replicateId", Json("""{"contributions": [null], "want": 0}"""));
        await Refused(HttpStatusCode.BadRequest, "needs a replicateId", Json("""{"failures": [{"replicateId": "x"}], "want": 0}"""));
        await Refused(HttpStatusCode.BadRequest, "malformed JSON", Json("""{"contributions": [ """));
        await Refused(HttpStatusCode.BadRequest, "waitSeconds must be between 0 and 30", JsonContent.Create(new ExchangeRequest(null, null, 1)), "?waitSeconds=31");
        await Refused(HttpStatusCode.RequestEntityTooLarge, "larger than", Json("{\"contributions\": [" + new string(' ', 600_000) + "]}"));
        using (var anonymous = new HttpClient { BaseAddress = _server.BaseUrl })
        {
            using var response = await anonymous.PostAsJsonAsync("api/workers/exchange", new ExchangeRequest([contribution], null, 0));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        var replayedByAnother = await Worker(1).LoginAsync();
        var (status, answer, body) = await replayedByAnother.ExchangeAsync(new ExchangeRequest([contribution], null, 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(403, answer!.Outcomes.Single().Status);

        // Nothing above was recorded: the replicate still waits for its worker's contribution, which is then taken.
        var before = await ReadApi.TaskAsync(_http, a.TaskId);
        Assert.Null(before.Replicates.Single().Digest);
        (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest([contribution], null, 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(200, answer!.Outcomes.Single().Status);
    }
}
