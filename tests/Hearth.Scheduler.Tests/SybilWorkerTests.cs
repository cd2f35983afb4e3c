using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Hearth.Chain;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Api;
using Hearth.Scheduler.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// Sybil workers: admission (allowlist, minimum stake read from a real chain and cached), the slot and live-worker caps,
/// replicate leases renewed only by progress, and the pruning of long-gone workers.
/// </summary>
public sealed class SybilWorkerTests
{
    [Fact]
    public async Task A_key_not_on_the_allowlist_is_refused_at_login_and_never_gets_a_row()
    {
        await using var net = await TestNetwork.StartAsync(workers: 2);
        var allowed = net.WorkerKey(0).GetPublicAddress();
        var server = await net.StartSchedulerAsync(net.Options(o => o.AllowedWorkers = [allowed.ToUpperInvariant().Replace("0X", "0x")]));
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var pool = net.Pool.ToString();

        // Worker 1 is staked like worker 0, signs a valid login, and is still refused: it is not on the list.
        var (status, body) = await LoginAsync(http, net.WorkerKey(1), pool);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("not on this pool's list of allowed workers", body);
        Assert.Contains("AllowedWorkers", body);
        using var ok = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, net.Requester.Domain).LoginAsync();

        var workers = await http.GetFromJsonAsync<List<WorkerView>>("api/workers");
        Assert.Equal([allowed.ToLowerInvariant()], workers!.Select(w => w.Address));
    }

    [Fact]
    public async Task An_unstaked_key_is_refused_under_the_minimum_stake_its_stake_read_is_cached_and_a_slashed_worker_is_removed()
    {
        await using var net = await TestNetwork.StartAsync(workers: 3);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The minimum is exactly what the staked workers hold: a slash takes worker 2 below it.
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.MinWorkerStake = TestNetwork.WorkerStakeDeposit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.AdmissionStakeCacheSeconds = 60;
            o.HeartbeatTimeoutSeconds = 3_600; // the slashed worker is removed for its stake, not its silence
        }), time);
        var admission = server.Services.GetRequiredService<WorkerAdmission>();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var pool = net.Pool.ToString();

        // A fresh key, and an account with tokens but no stake: refused with the stake it has and the one it needs.
        var (status, body) = await LoginAsync(http, EthECKey.GenerateKey(), pool);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("has a stake of 0", body);
        var unstaked = new EthECKey(net.Market.Keys[12]);
        var readsBefore = admission.StakeReads;
        for (var i = 0; i < 5; i++)
        {
            (status, body) = await LoginAsync(http, unstaked, pool);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains($"at least {TestNetwork.WorkerStakeDeposit}", body);
        }
        Assert.Equal(readsBefore + 1, admission.StakeReads); // five logins, one eth_call

        // It stakes: admitted once its cached read is older than the cache period.
        await net.StakeAsync(12, TestNetwork.WorkerStakeDeposit);
        Assert.Equal(HttpStatusCode.Forbidden, (await LoginAsync(http, unstaked, pool)).Status);
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(http, unstaked, pool)).Status);
        Assert.DoesNotContain(await WorkerAddressesAsync(http), a => a != unstaked.GetPublicAddress().ToLowerInvariant()); // refused keys left no row

        // Worker 2 is admitted and holds a replicate; it is slashed in another pool, below this pool's minimum. At the next
        // stake read its row goes, its replicate is placed elsewhere, and it cannot log in again.
        using var doomed = await new TestWorker(server.BaseUrl, net.WorkerKey(2), pool, net.Requester.Domain).LoginAsync();
        await net.MatchAsync(volume: 1, trust: 1);
        var taken = await doomed.NextRequiredAsync();
        await net.SettleInOtherPoolAsync(await net.OtherPoolAsync(), agreeing: [0, 1], dissenting: [2]);
        time.Advance(TimeSpan.FromSeconds(20));
        await doomed.HeartbeatAsync(1, taken.ReplicateId);
        Assert.Contains(doomed.Address.ToLowerInvariant(), await WorkerAddressesAsync(http)); // its stake is not read again before the period
        time.Advance(TimeSpan.FromSeconds(45));
        await Eventually.TrueAsync(async () => !(await WorkerAddressesAsync(http)).Contains(doomed.Address.ToLowerInvariant()), "the slashed worker's removal");
        var replicate = (await ReadApi.TaskAsync(http, taken.TaskId)).Replicates.Single(r => r.ReplicateId == taken.ReplicateId);
        Assert.Equal("Abandoned", replicate.Status);
        Assert.Contains("no longer admitted", replicate.Reason);
        using (var heartbeat = await doomed.Http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1, 0, [taken.ReplicateId], null)))
            Assert.Equal(HttpStatusCode.Unauthorized, heartbeat.StatusCode);
        (status, body) = await LoginAsync(http, net.WorkerKey(2), pool);
        Assert.Equal(HttpStatusCode.Forbidden, status);

        using var honest = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, net.Requester.Domain).LoginAsync();
        var again = await honest.NextRequiredAsync();
        Assert.Equal(taken.TaskId, again.TaskId);
        await honest.ContributeOkAsync(again, TestWorker.HonestDigest(again.TaskId));
        await ReadApi.TaskWhereAsync(http, again.TaskId, t => t.Status == "Settled", "settlement by an admitted worker");
    }

    [Fact]
    public async Task A_heartbeat_claiming_1024_slots_is_refused_and_live_workers_are_capped()
    {
        await using var net = await TestNetwork.StartAsync(workers: 3);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await net.StartSchedulerAsync(net.Options(o => o.MaxLiveWorkers = 2), time);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var pool = net.Pool.ToString();

        using var greedy = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, net.Requester.Domain).LoginAsync();
        using (var claim = await greedy.Http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1_024, 1_024, [], null)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, claim.StatusCode);
            var problem = await claim.Content.ReadAsStringAsync();
            Assert.Contains("between 0 and 64", problem);
            Assert.Contains("MaxSlotsPerWorker", problem);
        }
        Assert.Equal(1, (await http.GetFromJsonAsync<List<WorkerView>>("api/workers"))!.Single().Slots);
        await greedy.HeartbeatAsync(64);

        // Two live workers fill the pool: a third valid, staked key waits for a seat.
        using var second = await new TestWorker(server.BaseUrl, net.WorkerKey(1), pool, net.Requester.Domain).LoginAsync();
        using (var full = await PostLoginAsync(http, net.WorkerKey(2), pool))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
            Assert.NotNull(full.Headers.RetryAfter?.Delta);
            Assert.Contains("MaxLiveWorkers", await full.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, (await WorkerAddressesAsync(http)).Count);
        // A live worker logging in again keeps its seat.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(http, net.WorkerKey(1), pool)).Status);

        // Both fall silent; the third takes a seat, the second takes the other, and the first, back from silence, waits.
        time.Advance(TimeSpan.FromSeconds(31));
        using var third = await new TestWorker(server.BaseUrl, net.WorkerKey(2), pool, net.Requester.Domain).LoginAsync();
        await second.HeartbeatAsync();
        using (var back = await greedy.Http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1, 1, [], null)))
            Assert.Equal(HttpStatusCode.TooManyRequests, back.StatusCode);
        Assert.Equal(2, (await http.GetFromJsonAsync<List<WorkerView>>("api/workers"))!.Count(w => w.Alive));
    }

    [Fact]
    public async Task A_replicate_claimed_and_never_reported_is_taken_back_after_its_lease_and_settles_elsewhere()
    {
        await using var net = await TestNetwork.StartAsync(workers: 2);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // Silence is not what catches it here: the hostile worker heart-beats all along, listing the replicate.
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.HeartbeatTimeoutSeconds = 3_600;
            o.ReplicateLeaseCategoryMultiple = 1;
        }), time);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var pool = net.Pool.ToString();
        using var hostile = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, net.Requester.Domain).LoginAsync(slots: 64);
        var match = await net.MatchAsync(volume: 1, trust: 1);
        var taken = await hostile.NextRequiredAsync();
        using var honest = await new TestWorker(server.BaseUrl, net.WorkerKey(1), pool, net.Requester.Domain).LoginAsync();

        // The deal's category is 300 s: within the lease, heartbeats keep it, and nothing is placed elsewhere.
        time.Advance(TimeSpan.FromSeconds(290));
        Assert.Empty((await hostile.HeartbeatAsync(64, taken.ReplicateId)).CancelledReplicates);
        Assert.Null(await honest.NextAsync(1));
        Assert.Equal("Assigned", (await ReadApi.TaskAsync(http, taken.TaskId)).Replicates.Single().Status);

        // Past it, heart-beating does not hold it: taken back, placed on the honest worker, settled.
        time.Advance(TimeSpan.FromSeconds(11));
        await hostile.HeartbeatAsync(64, taken.ReplicateId);
        // The honest worker is alive too (the clock moved 301 s): it says so, as its heartbeat loop would.
        await honest.HeartbeatAsync();
        var again = await honest.NextRequiredAsync();
        Assert.Equal(taken.TaskId, again.TaskId);
        var lost = (await ReadApi.TaskAsync(http, taken.TaskId)).Replicates.Single(r => r.ReplicateId == taken.ReplicateId);
        Assert.Equal("Abandoned", lost.Status);
        Assert.Contains("lease ran out", lost.Reason);
        Assert.Contains(taken.ReplicateId, (await hostile.HeartbeatAsync(64, taken.ReplicateId)).CancelledReplicates);
        using (var late = await hostile.ContributeAsync(taken, TestWorker.HonestDigest(taken.TaskId)))
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        await honest.ContributeOkAsync(again, TestWorker.HonestDigest(again.TaskId));
        await ReadApi.TaskWhereAsync(http, taken.TaskId, t => t.Status == "Settled", "settlement by the honest worker");
        Assert.Single(await net.Requester.TasksSettledAsync(match.DealId));

        // On probation: one replicate at a time for a lease, whatever slots it claims.
        await net.MatchAsync(volume: 4, trust: 1);
        await hostile.HeartbeatAsync(64);
        var first = await hostile.NextRequiredAsync();
        Assert.Null(await hostile.NextAsync(1));
        await hostile.ContributeOkAsync(first, TestWorker.HonestDigest(first.TaskId));
    }

    [Fact]
    public async Task A_replicate_given_back_by_lease_is_not_given_to_the_same_worker_again()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.HeartbeatTimeoutSeconds = 3_600;
            o.ReplicateLeaseCategoryMultiple = 1;
            o.ReplicateRetryDelayMs = 0;
        }), time);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var hostile = await new TestWorker(server.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        await net.MatchAsync(volume: 1, trust: 1);
        var taken = await hostile.NextRequiredAsync();
        time.Advance(TimeSpan.FromSeconds(301));
        await hostile.HeartbeatAsync(1, taken.ReplicateId);
        await ReadApi.TaskWhereAsync(http, taken.TaskId, t => t.Reason.Contains("let its lease of it run out"), "the task waiting for another worker");
        time.Advance(TimeSpan.FromSeconds(301)); // probation over: still not this task
        await hostile.HeartbeatAsync(1);
        Assert.Null(await hostile.NextAsync(1));
    }

    [Fact]
    public async Task Workers_silent_for_long_are_pruned_without_breaking_their_history_and_log_in_again()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.PruneWorkersAfterHours = 1;
            o.ReplicateRetryDelayMs = 0;
        }), time);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var pool = net.Pool.ToString();
        using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, net.Requester.Domain).LoginAsync();
        var match = await net.MatchAsync(volume: 2, trust: 1);
        var first = await worker.NextRequiredAsync();
        await worker.ContributeOkAsync(first, TestWorker.HonestDigest(first.TaskId));
        await ReadApi.TaskWhereAsync(http, first.TaskId, t => t.Status == "Settled", "the first task's settlement");
        var held = await worker.NextRequiredAsync();

        time.Advance(TimeSpan.FromMinutes(61));
        await Eventually.TrueAsync(async () => (await WorkerAddressesAsync(http)).Count == 0, "the silent worker's pruning");
        // Its history reads as before: the settled task names it, the held replicate was taken back.
        var settled = await ReadApi.TaskAsync(http, first.TaskId);
        Assert.Equal(worker.Address.ToLowerInvariant(), settled.Replicates.Single().Worker);
        var lost = (await ReadApi.TaskAsync(http, held.TaskId)).Replicates.Single();
        Assert.Equal("Abandoned", lost.Status);

        // Its token still authenticates, but it has no row: told to log in again, it does, and finishes the deal.
        using (var heartbeat = await worker.Http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1, 1, [], null)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, heartbeat.StatusCode);
            Assert.Contains("log in again", await heartbeat.Content.ReadAsStringAsync());
        }
        await worker.LoginAsync();
        var again = await worker.NextRequiredAsync();
        Assert.Equal(held.TaskId, again.TaskId);
        await worker.ContributeOkAsync(again, TestWorker.HonestDigest(again.TaskId));
        await ReadApi.DealWhereAsync(http, match.DealId.ToString(), d => d.Tasks.All(t => t.Status == "Settled"), "the deal's settlement");
        Assert.Equal(2, (await net.Requester.TasksSettledAsync(match.DealId)).Count);
    }

    [Fact]
    public void Admission_options_are_checked_at_start_up()
    {
        var o = new SchedulerOptions
        {
            RpcUrl = "http://127.0.0.1:8545", ChainId = 31337, WorkerpoolId = "1", SchedulerPrivateKey = "0x" + new string('1', 64),
            SqlitePath = "x.db", ResultStorageUrl = "http://127.0.0.1:1",
            Deployment = new Chain.Market.HearthDeployment(31337, Zero, Zero, Zero, Zero, Zero, 1),
            AllowedWorkers = ["0x1234"], MinWorkerStake = "-5", MaxSlotsPerWorker = 0, MaxLiveWorkers = 0,
            ReplicateLeaseCategoryMultiple = 0.5, PruneWorkersAfterHours = 0,
        };
        var failures = new SchedulerOptionsValidator().Validate(null, o).Failures!.ToList();
        foreach (var name in new[] { "AllowedWorkers", "MinWorkerStake", "MaxSlotsPerWorker", "MaxLiveWorkers", "ReplicateLeaseCategoryMultiple", "PruneWorkersAfterHours" })
            Assert.Contains(failures, f => f.Contains(name));
    }

    private const string Zero = "0x0000000000000000000000000000000000000001";

    private static async Task<List<string>> WorkerAddressesAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<List<WorkerView>>("api/workers"))!.Select(w => w.Address).ToList();

    private static async Task<(HttpStatusCode Status, string Body)> LoginAsync(HttpClient http, EthECKey key, string pool)
    {
        using var response = await PostLoginAsync(http, key, pool);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient http, EthECKey key, string pool)
    {
        var address = key.GetPublicAddress();
        using var c = await http.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(address));
        var challenge = (await c.Content.ReadFromJsonAsync<ChallengeResponse>())!.Challenge;
        var signature = new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(pool, challenge), key);
        return await http.PostAsJsonAsync("api/workers/login", new LoginRequest(address, pool, challenge, signature));
    }
}
