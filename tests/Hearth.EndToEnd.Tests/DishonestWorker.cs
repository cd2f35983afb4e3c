using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Hearth.Storage.Client;
using Hearth.Worker;
using Hearth.Worker.Api;

namespace Hearth.EndToEnd.Tests;

/// <summary>A worker that logs in properly and signs properly, but never runs the app: it uploads a made-up archive
/// and contributes its digest. The pool must out-vote it and the contract must slash it.</summary>
public sealed class DishonestWorker : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public DishonestWorker(string schedulerUrl, string storageUrl, string workerpool, string privateKey, Eip712Domain domain)
    {
        var identity = new WorkerIdentity(privateKey, domain);
        Address = identity.Address;
        var api = new SchedulerApiClient(new HttpClient { BaseAddress = new Uri(schedulerUrl.TrimEnd('/') + "/") }, identity, workerpool, TimeSpan.FromSeconds(30));
        var storage = new StorageClient(StorageClient.CreateHttpClient(new Uri(storageUrl)));
        _loop = RunAsync(api, storage, identity, _stop.Token);
    }

    public string Address { get; }

    public int Contributions { get; private set; }

    private async Task RunAsync(SchedulerApiClient api, StorageClient storage, WorkerIdentity identity, CancellationToken ct)
    {
        await api.LoginAsync(ct);
        var held = new List<string>();
        var lastBeat = DateTime.MinValue;
        while (!ct.IsCancellationRequested)
        {
            if (DateTime.UtcNow - lastBeat > TimeSpan.FromSeconds(1))
            {
                await api.HeartbeatAsync(new HeartbeatRequest(2, 2, held, null), ct);
                lastBeat = DateTime.UtcNow;
            }
            var assignment = await api.NextAssignmentAsync(1, ct);
            if (assignment is null) continue;
            var forged = System.Text.Encoding.UTF8.GetBytes($"not the real result of {assignment.TaskId}");
            using var content = new MemoryStream(forged);
            var address = await storage.PutAsync(content, ct);
            var digest = Hash32.Parse(address.Hex);
            var signature = identity.SignContribution(Hash32.Parse(assignment.TaskId), digest);
            await api.ReportContributionAsync(assignment.ReplicateId, new ContributionReport(digest.ToString(), "0x" + Convert.ToHexStringLower(signature), 0, null, 0.01, null), takeNext: false, ct);
            Contributions++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        _stop.Dispose();
    }
}
