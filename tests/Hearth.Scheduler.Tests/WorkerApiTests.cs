using System.Net;
using System.Net.Http.Json;
using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Hosting;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>Hostile and mistaken input to the worker API gets a precise 4xx answer and changes nothing.</summary>
public sealed class WorkerApiTests() : SchedulerTest(workers: 2)
{
    private string Pool => Net.Pool.ToString();

    private async Task<(string Challenge, string Signature, string Worker)> SignedChallengeAsync(EthECKey signer, EthECKey? claimed = null, string? pool = null)
    {
        var worker = (claimed ?? signer).GetPublicAddress();
        var challenge = (await (await Anonymous.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(worker))).Content.ReadFromJsonAsync<ChallengeResponse>())!;
        return (challenge.Challenge, new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(pool ?? Pool, challenge.Challenge), signer), worker);
    }

    [Fact]
    public async Task Login_with_a_forged_signature_is_refused()
    {
        var (challenge, signature, worker) = await SignedChallengeAsync(Net.WorkerKey(1), claimed: Net.WorkerKey(0));
        using var r = await Anonymous.PostAsJsonAsync("api/workers/login", new LoginRequest(worker, Pool, challenge, signature));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Contains("does not come from that worker", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_challenge_cannot_be_replayed()
    {
        var (challenge, signature, worker) = await SignedChallengeAsync(Net.WorkerKey(0));
        using var first = await Anonymous.PostAsJsonAsync("api/workers/login", new LoginRequest(worker, Pool, challenge, signature));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var replay = await Anonymous.PostAsJsonAsync("api/workers/login", new LoginRequest(worker, Pool, challenge, signature));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Login_to_another_pool_is_refused()
    {
        var (challenge, signature, worker) = await SignedChallengeAsync(Net.WorkerKey(0), pool: "999");
        using var r = await Anonymous.PostAsJsonAsync("api/workers/login", new LoginRequest(worker, "999", challenge, signature));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_refused()
    {
        using var none = await Anonymous.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1, 1, [], null));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/workers/assignments/next") { Headers = { { "Authorization", "Bearer made-up" } } };
        using var madeUp = await Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, madeUp.StatusCode);
    }

    [Fact]
    public async Task Malformed_huge_and_out_of_range_bodies_get_problem_details()
    {
        using var worker = await new TestWorker(Server.BaseUrl, Net.WorkerKey(0), Pool, Net.Requester.Domain).LoginAsync();
        using var malformed = await worker.Http.PostAsync("api/workers/heartbeat", new StringContent("{\"slots\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("malformed JSON", await malformed.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);

        // Expect: 100-continue lets the server refuse the body before it is sent (else the refusal may cut the upload).
        using var hugeRequest = new HttpRequestMessage(HttpMethod.Post, "api/workers/heartbeat") { Content = new StringContent(new string(' ', 2_000_000), Encoding.UTF8, "application/json") };
        hugeRequest.Headers.ExpectContinue = true;
        using var huge = await worker.Http.SendAsync(hugeRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        using var negative = await worker.Http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(-1, 0, [], null));
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);

        using var wait = await worker.Http.PostAsync("api/workers/assignments/next?waitSeconds=31", null);
        Assert.Equal(HttpStatusCode.BadRequest, wait.StatusCode);

        using var unknown = await worker.Http.PostAsJsonAsync("api/workers/replicates/r-nothing/progress", new ProgressReport("running", null));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Contributions_are_checked_against_the_worker_the_replicate_and_the_signature()
    {
        var domain = Net.Requester.Domain;
        using var owner = await new TestWorker(Server.BaseUrl, Net.WorkerKey(0), Pool, domain).LoginAsync();
        await Net.MatchAsync(volume: 1, trust: 1);
        var a = await owner.NextRequiredAsync();
        var digest = TestWorker.HonestDigest(a.TaskId);

        using var other = await new TestWorker(Server.BaseUrl, Net.WorkerKey(1), Pool, domain).LoginAsync();
        using var stolen = await other.ContributeAsync(a, digest);
        Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);

        // Signed by another key, or for another task: the contract would refuse it, so the scheduler does first.
        var wrongKey = ContributionSigning.Sign(domain, Hash32.Parse(a.TaskId), digest, Net.WorkerKey(1));
        using var forged = await owner.Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/contribution",
            new ContributionReport(digest.ToString(), "0x" + Convert.ToHexStringLower(wrongKey), 0, null, 1, null));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var badDigest = await owner.Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/contribution",
            new ContributionReport("0x1234", "0x" + new string('0', 130), 0, null, 1, null));
        Assert.Equal(HttpStatusCode.BadRequest, badDigest.StatusCode);

        using var progress = await owner.Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/progress", new ProgressReport("running", "started"));
        Assert.Equal(HttpStatusCode.NoContent, progress.StatusCode);
        await owner.ContributeOkAsync(a, digest);
        using var twice = await owner.ContributeAsync(a, digest);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task A_failed_replicate_is_replaced_on_another_worker()
    {
        var domain = Net.Requester.Domain;
        using var first = await new TestWorker(Server.BaseUrl, Net.WorkerKey(0), Pool, domain).LoginAsync();
        await Net.MatchAsync(volume: 1, trust: 1);
        var a = await first.NextRequiredAsync();
        using var second = await new TestWorker(Server.BaseUrl, Net.WorkerKey(1), Pool, domain).LoginAsync();
        using var failed = await first.Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/failure", new FailureReport("download", "app checksum mismatch"));
        Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        var b = await second.NextRequiredAsync();
        Assert.Equal(a.TaskId, b.TaskId);
        var task = await ReadApi.TaskAsync(Anonymous, a.TaskId);
        Assert.Contains("app checksum mismatch", task.Replicates.Single(r => r.ReplicateId == a.ReplicateId).Reason);
        // The first worker is never given the same task again.
        Assert.Null(await first.NextAsync(0));
    }
}
