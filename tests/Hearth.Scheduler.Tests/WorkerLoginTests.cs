using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>Logins under a flood of anonymous requests, tokens across a restart, and challenges used once.</summary>
public sealed class WorkerLoginTests
{
    /// <summary>A client whose connections come from <paramref name="local"/> (any 127.x address reaches the loopback
    /// server), so the scheduler sees another client than the 127.0.0.1 of the other tests' clients.</summary>
    private static HttpClient ClientFrom(IPAddress local, Uri baseUrl) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

    private static string Sign(EthECKey key, string pool, string challenge) =>
        new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(pool, challenge), key);

    /// <summary>Takes a challenge and signs it; waits out 429s as Retry-After says.</summary>
    private static async Task<LoginRequest> SignedLoginAsync(HttpClient http, EthECKey key, string pool)
    {
        var worker = key.GetPublicAddress();
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(worker));
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 10)
            {
                await Task.Delay(response.Headers.RetryAfter!.Delta!.Value);
                continue;
            }
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"challenge: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var challenge = (await response.Content.ReadFromJsonAsync<ChallengeResponse>())!.Challenge;
            return new LoginRequest(worker, pool, challenge, Sign(key, pool, challenge));
        }
    }

    private static async Task<HttpStatusCode> HeartbeatAsync(Uri baseUrl, AuthenticationHeaderValue token)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Authorization = token;
        using var response = await http.PostAsJsonAsync("api/workers/heartbeat", new HeartbeatRequest(1, 1, [], null));
        return response.StatusCode;
    }

    [Fact]
    public void The_new_limits_are_validated_at_start_up_with_their_names_and_units()
    {
        var failures = string.Join(" ", new SchedulerOptionsValidator().Validate(null, new SchedulerOptions
        {
            AnonymousRequestsPerSecond = 0,
            AnonymousBurstRequests = 1,
            MaxRememberedChallenges = 0,
            MaxConcurrentLongPolls = -1,
        }).Failures!);
        Assert.Contains("Scheduler:AnonymousRequestsPerSecond must be between 1 and 100000 requests per second per client, was 0.", failures);
        Assert.Contains("Scheduler:AnonymousBurstRequests must be between 2 (a login is a challenge and a login request) and 1000000 requests, was 1.", failures);
        Assert.Contains("Scheduler:MaxRememberedChallenges must be between 1 and 10000000 challenges, was 0.", failures);
        Assert.Contains("Scheduler:MaxConcurrentLongPolls must be between 1 and 1000000 waiting exchanges, was -1.", failures);
        var defaults = string.Join(" ", new SchedulerOptionsValidator().Validate(null, new SchedulerOptions()).Failures!);
        Assert.DoesNotContain("Anonymous", defaults);
        Assert.DoesNotContain("MaxRemembered", defaults);
        Assert.DoesNotContain("LongPolls", defaults);
    }

    [Fact]
    public async Task A_flood_of_anonymous_challenges_gets_429s_and_real_workers_still_log_in()
    {
        await using var net = await TestNetwork.StartAsync(workers: 2);
        var server = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.AnonymousRequestsPerSecond = 50;
            o.AnonymousBurstRequests = 100;
        }));
        var pool = net.Pool.ToString();
        using var flood = ClientFrom(IPAddress.Parse("127.0.0.2"), server.BaseUrl);
        var statuses = new ConcurrentDictionary<int, int>();
        var withoutRetryAfter = 0;
        var sent = 0;
        var loggedIn = new TaskCompletionSource();
        var anyone = net.WorkerKey(1).GetPublicAddress();

        // 10,001 anonymous challenges, and on until the other client's login is done: that login happens mid-flood.
        async Task FloodAsync()
        {
            while (Interlocked.Increment(ref sent) <= 10_001 || !loggedIn.Task.IsCompleted)
            {
                using var response = await flood.PostAsJsonAsync("api/workers/challenge", new ChallengeRequest(anyone));
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is not { } delay)
                    Interlocked.Increment(ref withoutRetryAfter);
            }
        }
        var flooding = Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(FloodAsync)));
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(statuses.ContainsKey(429) || flooding.IsCompleted), "the flood being refused");
            Assert.False(flooding.IsCompleted);
            // A real worker on another client logs in with a valid signature while the flood goes on.
            using var worker = await new TestWorker(server.BaseUrl, net.WorkerKey(0), pool, net.Requester.Domain).LoginAsync();
            Assert.Equal(HttpStatusCode.OK, await HeartbeatAsync(server.BaseUrl, worker.Http.DefaultRequestHeaders.Authorization!));
        }
        finally
        {
            loggedIn.TrySetResult();
            await flooding;
        }

        var seen = string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"));
        Assert.True(statuses.Values.Sum() >= 10_001, seen);
        Assert.True(statuses.Keys.All(s => s is 200 or 429), $"only 200 and 429 expected: {seen}");
        Assert.True(statuses.GetValueOrDefault(429) > statuses.GetValueOrDefault(200), $"most of the flood is refused: {seen}");
        Assert.True(statuses.GetValueOrDefault(200) >= 100, $"the burst is served: {seen}");
        Assert.Equal(0, withoutRetryAfter);

        // The flooding client itself logs in once its bucket refilled, as Retry-After says.
        var login = await SignedLoginAsync(flood, net.WorkerKey(1), pool);
        using var answer = await flood.PostAsJsonAsync("api/workers/login", login);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        var token = (await answer.Content.ReadFromJsonAsync<LoginResponse>())!.Token;
        Assert.Equal(HttpStatusCode.OK, await HeartbeatAsync(server.BaseUrl, new AuthenticationHeaderValue("Bearer", token)));
    }

    [Fact]
    public async Task A_token_issued_before_a_restart_still_works_after_it()
    {
        await using var net = await TestNetwork.StartAsync(workers: 1);
        var options = net.Options();
        var first = await net.StartSchedulerAsync(options);
        using var worker = await new TestWorker(first.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain).LoginAsync();
        var token = worker.Http.DefaultRequestHeaders.Authorization!;
        await net.StopAsync(first);

        // A new scheduler process on the same database and settings: the token goes on, for heartbeats and for work.
        var second = await net.StartSchedulerAsync(options);
        Assert.Equal(HttpStatusCode.OK, await HeartbeatAsync(second.BaseUrl, token));
        using var after = new TestWorker(second.BaseUrl, net.WorkerKey(0), net.Pool.ToString(), net.Requester.Domain);
        after.Http.DefaultRequestHeaders.Authorization = token;
        await net.MatchAsync(volume: 1, trust: 1);
        var assignment = await after.NextRequiredAsync();
        await after.ContributeOkAsync(assignment, TestWorker.HonestDigest(assignment.TaskId));

        // Altered, it is refused; and a scheduler of another pool with the same key does not take it.
        var altered = token.Parameter![..^2] + (token.Parameter[^2] == 'A' ? "BA" : "AA");
        Assert.Equal(HttpStatusCode.Unauthorized, await HeartbeatAsync(second.BaseUrl, new AuthenticationHeaderValue("Bearer", altered)));
        var otherPool = await net.StartSchedulerAsync(net.Options(o =>
        {
            o.WorkerpoolId = (net.Pool + 1_000).ToString();
            o.SqlitePath = net.Dir.File("other-pool.db");
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, await HeartbeatAsync(otherPool.BaseUrl, token));
    }

    [Fact]
    public async Task A_replayed_challenge_signature_is_refused_and_used_challenges_are_bounded()
    {
        await using var net = await TestNetwork.StartAsync(workers: 3);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = net.Options(o =>
        {
            o.MaxRememberedChallenges = 2;
            o.ChallengeLifetimeSeconds = 60;
        });
        var server = await net.StartSchedulerAsync(options, time);
        var auth = server.Services.GetRequiredService<WorkerAuth>();
        var pool = net.Pool.ToString();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        var first = await SignedLoginAsync(http, net.WorkerKey(0), pool);
        using (var ok = await http.PostAsJsonAsync("api/workers/login", first))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // The same signed challenge again, once or many times at once: refused every time.
        var replays = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var replay = await http.PostAsJsonAsync("api/workers/login", first);
            return (replay.StatusCode, Body: await replay.Content.ReadAsStringAsync());
        }));
        Assert.All(replays, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Contains("already used", replays[0].Body);

        // Only used challenges are remembered, and at most 2 unexpired: the third login in a lifetime waits (429),
        // rather than being accepted by a cache that forgot.
        using (var second = await http.PostAsJsonAsync("api/workers/login", await SignedLoginAsync(http, net.WorkerKey(1), pool)))
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, auth.RememberedChallenges);
        var third = await SignedLoginAsync(http, net.WorkerKey(2), pool);
        using (var full = await http.PostAsJsonAsync("api/workers/login", third))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
            Assert.NotNull(full.Headers.RetryAfter?.Delta);
        }

        // Once the challenges expired they are forgotten, and their replays are refused as expired.
        time.Advance(TimeSpan.FromSeconds(61));
        using (var again = await http.PostAsJsonAsync("api/workers/login", await SignedLoginAsync(http, net.WorkerKey(2), pool)))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, auth.RememberedChallenges);
        using (var expired = await http.PostAsJsonAsync("api/workers/login", first))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync());
        }

        // A challenge used just before a restart is not accepted by the restarted scheduler either.
        var used = await SignedLoginAsync(http, net.WorkerKey(1), pool);
        using (var ok = await http.PostAsJsonAsync("api/workers/login", used))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await net.StopAsync(server);
        var restarted = await net.StartSchedulerAsync(options, time);
        using var http2 = new HttpClient { BaseAddress = restarted.BaseUrl };
        using (var replay = await http2.PostAsJsonAsync("api/workers/login", used))
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
    }
}
