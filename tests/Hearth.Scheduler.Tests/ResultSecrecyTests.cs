using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Protocol;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Hosting;
using Hearth.Scheduler.Persistence;
using Hearth.Scheduler.Replication;
using Microsoft.EntityFrameworkCore;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// Result copying: a worker that could read another's result digest before the task is settled could sign it without
/// computing anything, be counted as agreeing and farm reputation. No digest (a replicate's, the consensus, or one quoted
/// in a reason) may reach the anonymous read API, a reason, or an error sent to a worker before the task is Settled.
/// </summary>
public sealed class ResultSecrecyTests() : SchedulerTest(workers: 3)
{
    /// <summary>Every read route's raw answer about the deal and its task, as anyone could fetch it.</summary>
    private async Task<string> EverythingReadableAsync(string dealId, string taskId)
    {
        var bodies = new List<string>();
        foreach (var path in new[] { $"api/tasks/{taskId}", $"api/deals/{dealId}", "api/workers" })
        {
            using var response = await Anonymous.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
            bodies.Add(body);
        }
        return string.Join("\n", bodies);
    }

    private static void AssertNoDigest(string text, params Hash32[] digests)
    {
        foreach (var d in digests)
        {
            Assert.False(text.Contains(d.ToPlainHex(), StringComparison.OrdinalIgnoreCase), $"digest {d} is readable in: {text}");
            Assert.False(text.Contains(d.ToString(), StringComparison.OrdinalIgnoreCase), $"digest {d} is readable in: {text}");
        }
    }

    private static async Task<string> BodyAsync(HttpResponseMessage response)
    {
        using (response) return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    [Fact]
    public async Task A_contribution_is_unreadable_until_its_task_is_settled_then_public()
    {
        var match = await Net.MatchAsync(volume: 1, trust: 2);
        var dealId = match.DealId.ToString();
        var taskId = Ids.TaskId(match.DealId, 0).ToString();
        var honest = TestWorker.HonestDigest(taskId);
        using var first = await Worker(0).LoginAsync();
        using var second = await Worker(1).LoginAsync();
        var a1 = await first.NextRequiredAsync();
        var a2 = await second.NextRequiredAsync();

        // One worker contributed, the other has not: trust 2 with new workers needs both.
        await first.ContributeOkAsync(a1, honest);
        var waiting = await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Status == "Contributed", "the first contribution");
        Assert.Null(waiting.ConsensusDigest);
        Assert.All(waiting.Replicates, r => Assert.Null(r.Digest));
        Assert.Contains(waiting.Replicates, r => r.Status == "Contributed");
        AssertNoDigest(await EverythingReadableAsync(dealId, taskId), honest);

        // What a worker is told about a replicate holds no digest either.
        AssertNoDigest(await BodyAsync(await first.Http.PostAsJsonAsync($"api/workers/replicates/{a1.ReplicateId}/progress", new ProgressReport("running", null))), honest);
        AssertNoDigest(await BodyAsync(await second.Http.PostAsJsonAsync($"api/workers/replicates/{a1.ReplicateId}/progress", new ProgressReport("running", null))), honest);

        await second.ContributeOkAsync(a2, honest);
        var settled = await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Status == "Settled", "settlement");
        Assert.Equal(honest.ToString(), settled.ConsensusDigest);
        Assert.All(settled.Replicates, r => Assert.Equal(honest.ToString(), r.Digest));
        Assert.Contains(honest.ToString(), await EverythingReadableAsync(dealId, taskId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disagreement_is_told_without_digests_in_reasons_or_errors()
    {
        var match = await Net.MatchAsync(volume: 1, trust: 2);
        var dealId = match.DealId.ToString();
        var taskId = Ids.TaskId(match.DealId, 0).ToString();
        var (honest, bad) = (TestWorker.HonestDigest(taskId), TestWorker.BadDigest(taskId));
        using var liar = await Worker(0).LoginAsync();
        using var good = await Worker(1).LoginAsync();
        var lie = await liar.NextRequiredAsync();
        var work = await good.NextRequiredAsync();
        await liar.ContributeOkAsync(lie, bad);
        await good.ContributeOkAsync(work, honest);

        // One against one: a third replicate is needed, and nothing of either result may be read meanwhile.
        await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Status == "Contributed" && t.Replicates.Count(r => r.Status == "Contributed") == 2, "both contributions recorded");
        AssertNoDigest(await EverythingReadableAsync(dealId, taskId), honest, bad);
        AssertNoDigest(await BodyAsync(await liar.ContributeAsync(lie, honest)), honest, bad);
        AssertNoDigest(await BodyAsync(await liar.Http.PostAsJsonAsync($"api/workers/replicates/{lie.ReplicateId}/progress", new ProgressReport("uploading", null))), honest, bad);

        using var third = await Worker(2).LoginAsync();
        var tie = await third.NextRequiredAsync();
        await third.ContributeOkAsync(tie, honest);
        // Judged: the liar's replicate now says it differs, and must not say from what.
        AssertNoDigest(await BodyAsync(await liar.Http.PostAsJsonAsync($"api/workers/replicates/{lie.ReplicateId}/progress", new ProgressReport("uploading", null))), honest, bad);

        var settled = await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Status == "Settled", "settlement");
        var judged = settled.Replicates.Single(r => r.ReplicateId == lie.ReplicateId);
        Assert.Equal("Disagreed", judged.Status);
        Assert.Contains("differs from the consensus", judged.Reason);
        Assert.Equal(bad.ToString(), judged.Digest);
        Assert.Equal(honest.ToString(), settled.ConsensusDigest);

        // Reasons never quote a digest, even once the task is settled: they are written without them.
        var reasons = new List<string> { settled.Reason };
        reasons.AddRange(settled.History.Select(h => h.Reason));
        foreach (var r in settled.Replicates) reasons.AddRange([r.Reason, .. r.History.Select(h => h.Reason)]);
        var dbs = (IDbContextFactory<SchedulerDb>)Server.Services.GetService(typeof(IDbContextFactory<SchedulerDb>))!;
        await using (var db = await dbs.CreateDbContextAsync())
            reasons.AddRange(await db.StatusChanges.Select(s => s.Reason).ToListAsync());
        AssertNoDigest(string.Join("\n", reasons), honest, bad);
    }

    [Fact]
    public async Task A_digest_quoted_in_a_workers_failure_is_not_shown()
    {
        var match = await Net.MatchAsync(volume: 1, trust: 1);
        var dealId = match.DealId.ToString();
        var taskId = Ids.TaskId(match.DealId, 0).ToString();
        var honest = TestWorker.HonestDigest(taskId);
        using var worker = await Worker(0).LoginAsync();
        var a = await worker.NextRequiredAsync();

        // As an honest worker says it when its upload fails: the digest is the correct result, not yet contributed.
        var why = $"result archive {honest.ToPlainHex()} could not be uploaded to http://127.0.0.1:1/ after 3 attempts; app {a.App.Checksum}";
        var (status, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(null, [new ReplicateFailure(a.ReplicateId, new FailureReport("upload " + honest, why))], 0));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(200, answer!.Outcomes.Single().Status);

        var task = await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Replicates.Any(r => r.Status == "Failed"), "the failure recorded");
        Assert.Contains(a.App.Checksum, task.Replicates.Single(r => r.ReplicateId == a.ReplicateId).Reason, StringComparison.OrdinalIgnoreCase);
        AssertNoDigest(await EverythingReadableAsync(dealId, taskId), honest);
        AssertNoDigest(JsonSerializer.Serialize(task), honest);
    }
}

public sealed class ResultSecrecyUnitTests
{
    private static readonly Hash32 Digest = Hash32.Sha256("result"u8);
    private static readonly Hash32 TaskId = Hash32.Sha256("task"u8);

    [Fact]
    public void Every_long_hex_run_is_withheld_but_the_public_ids()
    {
        var text = $"archive {Digest.ToPlainHex()} and {Digest} and {Digest.ToPlainHex().ToUpperInvariant()}x, task {TaskId}, sig 0x{new string('a', 130)}";
        var shown = State.ResultSecrecy.Redact(text, [TaskId.ToPlainHex(), null]);
        Assert.DoesNotContain(Digest.ToPlainHex(), shown, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(new string('a', 64), shown, StringComparison.Ordinal);
        Assert.Contains(TaskId.ToString(), shown, StringComparison.Ordinal);
        Assert.Equal(4, shown.Split(State.ResultSecrecy.Withheld).Length - 1);
        Assert.Equal("short 0xabc", State.ResultSecrecy.Redact("short 0xabc", []));
    }

    [Fact]
    public void The_consensus_is_told_without_its_digest()
    {
        var plan = ReplicationPlanner.Plan(1, [(Digest, 2)], 0, 1, 2);
        Assert.Equal(Digest, plan.Consensus);
        Assert.DoesNotContain(Digest.ToPlainHex(), plan.Reason, StringComparison.OrdinalIgnoreCase);
    }
}
