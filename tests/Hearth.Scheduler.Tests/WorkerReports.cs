using System.Net.Http.Json;
using Hearth.Protocol.WorkerApi;

namespace Hearth.Scheduler.Tests;

/// <summary>Failure reports, as a worker sends them when it gives a replicate back.</summary>
public static class WorkerReports
{
    public static async Task FailOkAsync(this TestWorker worker, Assignment a, string kind, string reason)
    {
        using var response = await worker.Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/failure", new FailureReport(kind, reason));
        Assert.True(response.IsSuccessStatusCode, $"failure report refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
