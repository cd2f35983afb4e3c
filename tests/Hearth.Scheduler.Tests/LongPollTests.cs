using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Scheduler.Tests;

/// <summary>Exchanges that wait for work: one per worker (a second replaces the first), a cap for all, woken by placement.</summary>
public sealed class LongPollTests
{
    private static readonly ExchangeRequest WantOne = new(null, null, 1);

    [Fact]
    public async Task A_second_long_poll_replaces_the_first_and_the_cap_holds_under_200_at_once()
    {
        await using var net = await TestNetwork.StartAsync(workers: 3);
        var server = await net.StartSchedulerAsync(net.Options(o => o.MaxConcurrentLongPolls = 2));
        var polls = server.Services.GetRequiredService<LongPolls>();
        var pool = net.Pool.ToString();
        TestWorker Worker(int i) => new(server.BaseUrl, net.WorkerKey(i), pool, net.Requester.Domain);
        using var w0 = await Worker(0).LoginAsync();
        using var w1 = await Worker(1).LoginAsync();
        using var w2 = await Worker(2).LoginAsync(slots: 0);

        // A second wait of the same worker: the first returns at once, empty, and the second waits on.
        var first = w0.ExchangeAsync(WantOne, waitSeconds: 30);
        await Eventually.TrueAsync(() => Task.FromResult(polls.Count == 1), "the first long-poll waiting");
        var clock = Stopwatch.StartNew();
        var second = w0.ExchangeAsync(WantOne, waitSeconds: 30);
        var (status, answer, body) = await first;
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Empty(answer!.Assignments);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the replaced long-poll returned after {clock.Elapsed}");
        Assert.False(second.IsCompleted);
        Assert.Equal(1, polls.Count);

        // The cap: a second worker may wait, a third is answered 429 with Retry-After.
        var other = w1.ExchangeAsync(WantOne, waitSeconds: 30);
        await Eventually.TrueAsync(() => Task.FromResult(polls.Count == 2), "two workers waiting");
        using (var refused = await w2.Http.PostAsJsonAsync("api/workers/exchange?waitSeconds=30", WantOne))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
            Assert.Contains("MaxConcurrentLongPolls", await refused.Content.ReadAsStringAsync());
        }

        // Placement wakes the waiting workers it placed on (w2 has no slot): each gets its replicate at once.
        await net.MatchAsync(volume: 2, trust: 1);
        foreach (var waiting in new[] { second, other })
        {
            (status, answer, body) = await waiting;
            Assert.True(status == HttpStatusCode.OK, body);
            Assert.Single(answer!.Assignments);
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the work came after {clock.Elapsed}");

        // 200 long-polls at once on one token: one waits at a time, the others return (200), nothing fails.
        var maxSeen = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxSeen = Math.Max(maxSeen, polls.Count);
                await Task.Delay(1);
            }
        });
        var all = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => w0.ExchangeAsync(WantOne, waitSeconds: 3)));
        await sampling.CancelAsync();
        await sampler;
        var statuses = string.Join(", ", all.GroupBy(a => a.Status).Select(g => $"{(int)g.Key}: {g.Count()}"));
        Assert.True(all.All(a => a.Status == HttpStatusCode.OK), statuses);
        Assert.True(maxSeen <= 1, $"{maxSeen} long-polls of one worker waited at once");
        Assert.True(polls.Peak <= 2, $"{polls.Peak} long-polls waited at once, over the cap of 2");
        Assert.Equal(0, polls.Count);
    }
}
