using System.Net;
using System.Net.Http.Json;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Hosting;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A successful run's logs travel beside its result, signed by its worker (RunLogs(task, result, logs)): the scheduler
/// keeps their address and signature, refuses a report whose logs are signed by another key or malformed, and shows them
/// only once the task is settled (logs could show the result).
/// </summary>
public sealed class RunLogsTests() : SchedulerTest(workers: 2)
{
    private static Hash32 LogsOf(string text) => new RunLogs(System.Text.Encoding.UTF8.GetBytes(text), false, [], false).Digest();

    /// <summary>The worker's contribution of <paramref name="digest"/> with logs <paramref name="logs"/> signed by <paramref name="signer"/>.</summary>
    private ContributionReport WithLogs(TestWorker worker, Assignment a, Hash32 digest, Hash32 logs, EthECKey signer)
    {
        var signature = RunLogsSigning.Sign(Net.Requester.Domain, Hash32.Parse(a.TaskId), digest, logs, signer);
        return worker.Contribution(a, digest).Report with { LogsDigest = logs.ToString(), LogsSignature = "0x" + Convert.ToHexStringLower(signature) };
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(TestWorker worker, Assignment a, ContributionReport report)
    {
        using var response = await worker.Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/contribution", report);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Logs_signed_by_another_key_or_malformed_are_refused_400_and_good_ones_are_shown_only_once_settled()
    {
        var match = await Net.MatchAsync(volume: 1, trust: 2);
        var taskId = Ids.TaskId(match.DealId, 0).ToString();
        var honest = TestWorker.HonestDigest(taskId);
        using var first = await Worker(0).LoginAsync();
        using var second = await Worker(1).LoginAsync();
        var a1 = await first.NextRequiredAsync();
        var a2 = await second.NextRequiredAsync();
        var logs1 = LogsOf("first worker's logs");
        var logs2 = LogsOf("second worker's logs: the time differs");

        // Logs signed by another key (the other worker's): refused, whatever the contribution's own signature.
        var forged = await PostAsync(first, a1, WithLogs(first, a1, honest, logs1, Net.WorkerKey(1)));
        Assert.True(forged.Status == HttpStatusCode.BadRequest, $"{(int)forged.Status} {forged.Body}");
        Assert.Contains("logs signature does not recover", forged.Body);
        // Signed over another result: refused too.
        var overOther = RunLogsSigning.Sign(Net.Requester.Domain, Hash32.Parse(taskId), TestWorker.BadDigest(taskId), logs1, Net.WorkerKey(0));
        var otherResult = await PostAsync(first, a1, WithLogs(first, a1, honest, logs1, Net.WorkerKey(0)) with { LogsSignature = "0x" + Convert.ToHexStringLower(overOther) });
        Assert.True(otherResult.Status == HttpStatusCode.BadRequest, $"{(int)otherResult.Status} {otherResult.Body}");
        Assert.Contains("logs signature does not recover", otherResult.Body);

        // Hostile shapes: a digest that is not 32 bytes of hex, a signature without its digest.
        var good = WithLogs(first, a1, honest, logs1, Net.WorkerKey(0));
        foreach (var bad in new[]
        {
            good with { LogsDigest = "0x1234" },
            good with { LogsDigest = logs1.ToPlainHex() + "00" },
            good with { LogsDigest = "0x" + new string('z', 64) },
            good with { LogsDigest = logs1.ToPlainHex() }, // no 0x
            good with { LogsDigest = null },
            good with { LogsSignature = "0x00" },
        })
        {
            var (status, body) = await PostAsync(first, a1, bad);
            Assert.True(status == HttpStatusCode.BadRequest, $"{bad.LogsDigest}/{bad.LogsSignature}: {(int)status} {body}");
        }

        var recorded = await PostAsync(first, a1, good);
        Assert.True(recorded.Status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{(int)recorded.Status} {recorded.Body}");
        var waiting = await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Replicates.Any(r => r.Status == "Contributed"), "the first contribution");
        Assert.All(waiting.Replicates, r => Assert.Null(r.LogsDigest));
        Assert.All(waiting.Replicates, r => Assert.Null(r.LogsSignature));
        var raw = await Anonymous.GetStringAsync($"api/tasks/{taskId}");
        Assert.DoesNotContain(logs1.ToPlainHex(), raw, StringComparison.OrdinalIgnoreCase);

        // Logs that differ between agreeing replicas do not stop consensus: they are not the result.
        var second2 = await PostAsync(second, a2, WithLogs(second, a2, honest, logs2, Net.WorkerKey(1)));
        Assert.True(second2.Status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{(int)second2.Status} {second2.Body}");
        var settled = await ReadApi.TaskWhereAsync(Anonymous, taskId, t => t.Status == "Settled", "settlement");
        var shown1 = settled.Replicates.Single(r => r.ReplicateId == a1.ReplicateId);
        var shown2 = settled.Replicates.Single(r => r.ReplicateId == a2.ReplicateId);
        Assert.Equal(logs1.ToString(), shown1.LogsDigest);
        Assert.Equal(logs2.ToString(), shown2.LogsDigest);
        Assert.Equal(shown1.Worker, RunLogsSigning.RecoverWorker(Net.Requester.Domain, Hash32.Parse(taskId), honest, logs1, Convert.FromHexString(shown1.LogsSignature!.AsSpan(2)))!.ToLowerInvariant());
    }
}
