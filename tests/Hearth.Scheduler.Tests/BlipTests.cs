using System.Net;
using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.WorkerApi;
using Hearth.Storage;
using Hearth.Storage.Http;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// Chain and storage blips: a report the scheduler cannot judge for a while is answered 503 with Retry-After (never 500,
/// never a definitive 4xx), nothing of it is recorded, and the same report sent again once the part is back is accepted.
/// </summary>
public sealed class BlipTests
{
    private static async Task<Hash32> StoreAsync(StorageServerHandle storage, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        await storage.Store.PutAsync(new MemoryStream(bytes));
        return Hash32.Sha256(bytes);
    }

    private static void AssertUnavailable((HttpStatusCode Status, ExchangeResponse? Answer, string Body) answer, string fragment)
    {
        Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, $"{(int)answer.Status}: {answer.Body}");
        Assert.Contains(fragment, answer.Body);
    }

    [Fact]
    public async Task A_report_while_the_chain_is_down_is_answered_503_and_accepted_once_it_returns()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        await using var proxy = await RpcProxy.StartAsync(net.Market.RpcUrl);
        await using var storage = await StorageServer.StartAsync(new StorageOptions { RootPath = net.Dir.File("results") });
        var options = net.Options(o =>
        {
            o.RpcUrl = proxy.Url.AbsoluteUri;
            o.ResultStorageUrl = storage.BaseUrl.AbsoluteUri;
            o.CheckResultBlobs = true;
        });
        var server = await net.StartSchedulerAsync(options);
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var a = await worker.NextRequiredAsync();
        var digest = await StoreAsync(storage, "result of " + a.TaskId);

        // A restart while the node is away: the new scheduler never read this worker's score, and cannot now.
        await net.StopAsync(server);
        proxy.Down = true;
        server = await net.StartSchedulerAsync(options);
        using var again = new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain);
        again.Http.DefaultRequestHeaders.Authorization = worker.Http.DefaultRequestHeaders.Authorization; // tokens survive a restart

        var report = worker.Contribution(a, digest);
        var answer = await again.ExchangeAsync(new ExchangeRequest([report], null, 0));
        AssertUnavailable(answer, "chain");
        using (var single = await again.ContributeAsync(a, digest))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, single.StatusCode);
            Assert.NotNull(single.Headers.RetryAfter);
        }

        proxy.Down = false;
        answer = await again.ExchangeAsync(new ExchangeRequest([report], null, 0));
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.Equal(200, answer.Answer!.Outcomes.Single().Status);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        await ReadApi.TaskWhereAsync(http, a.TaskId, t => t.Status == "Settled", "settlement once the chain is back");
        Assert.True(await net.Requester.IsTaskDoneAsync(match.DealId, a.TaskIndex));
    }

    [Fact]
    public async Task With_the_chain_down_a_worker_whose_score_was_read_is_judged_with_its_last_known_score()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        await using var proxy = await RpcProxy.StartAsync(net.Market.RpcUrl);
        await using var storage = await StorageServer.StartAsync(new StorageOptions { RootPath = net.Dir.File("results") });
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.RpcUrl = proxy.Url.AbsoluteUri;
            o.ResultStorageUrl = storage.BaseUrl.AbsoluteUri;
            o.CheckResultBlobs = true;
            o.ScoreCacheSeconds = 0; // every judgement wants a fresh read
        }));
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var a = await worker.NextRequiredAsync(); // placement read the worker's standing
        var digest = await StoreAsync(storage, "result of " + a.TaskId);

        proxy.Down = true;
        var answer = await worker.ExchangeAsync(new ExchangeRequest([worker.Contribution(a, digest)], null, 0));
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.Equal(200, answer.Answer!.Outcomes.Single().Status);

        proxy.Down = false;
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        await ReadApi.TaskWhereAsync(http, a.TaskId, t => t.Status == "Settled", "settlement once the chain is back");
        Assert.True(await net.Requester.IsTaskDoneAsync(match.DealId, a.TaskIndex));
    }

    [Fact]
    public async Task A_digest_never_uploaded_is_refused_and_a_storage_outage_is_answered_503_until_it_returns()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var root = net.Dir.File("results");
        var storage = await StorageServer.StartAsync(new StorageOptions { RootPath = root });
        var port = storage.BaseUrl.Port;
        try
        {
            // The check is on by default: this test does not turn it on.
            var server = await net.StartSchedulerAsync(net.Options(o =>
            {
                o.ResultStorageUrl = storage.BaseUrl.AbsoluteUri;
                o.CheckResultBlobs = new SchedulerOptions().CheckResultBlobs;
            }));
            using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync(slots: 2);
            await net.MatchAsync(volume: 2, trust: 1);
            var taken = new List<Assignment>();
            while (taken.Count < 2)
            {
                var (status, got, body) = await worker.ExchangeAsync(new ExchangeRequest(null, null, 2 - taken.Count), waitSeconds: 10);
                Assert.True(status == HttpStatusCode.OK, body);
                taken.AddRange(got!.Assignments);
            }

            var never = await worker.ExchangeAsync(new ExchangeRequest([worker.Contribution(taken[0], Hash32.Sha256("never uploaded"u8))], null, 0));
            Assert.True(never.Status == HttpStatusCode.OK, never.Body);
            Assert.Equal(409, never.Answer!.Outcomes.Single().Status);
            Assert.Contains("not in the result storage", never.Answer.Outcomes.Single().Error);

            var digest = await StoreAsync(storage, "result of " + taken[1].TaskId);
            await storage.DisposeAsync();
            var report = worker.Contribution(taken[1], digest);
            AssertUnavailable(await worker.ExchangeAsync(new ExchangeRequest([report], null, 0)), "storage");
            using (var single = await worker.ContributeAsync(taken[1], digest))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, single.StatusCode);
                Assert.NotNull(single.Headers.RetryAfter);
            }

            storage = await StorageServer.StartAsync(new StorageOptions { RootPath = root, ListenPort = port });
            var accepted = await worker.ExchangeAsync(new ExchangeRequest([report], null, 0));
            Assert.True(accepted.Status == HttpStatusCode.OK, accepted.Body);
            Assert.Equal(200, accepted.Answer!.Outcomes.Single().Status);
        }
        finally
        {
            await storage.DisposeAsync();
        }
    }
}
