using System.Net;
using System.Net.Http.Json;
using Hearth.Scheduler.Api;

namespace Hearth.Network.Requesting;

/// <summary>Reads a pool scheduler's view of deals and tasks: statuses and the reason behind each.</summary>
public sealed class SchedulerReader(HttpClient http)
{
    public static SchedulerReader For(string baseUrl) => new(new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) });

    public Task<DealView?> DealAsync(string dealId, CancellationToken ct) => GetAsync<DealView>($"api/deals/{dealId}", ct);

    public Task<TaskView?> TaskAsync(string taskId, CancellationToken ct) => GetAsync<TaskView>($"api/tasks/{taskId}", ct);

    public async Task<IReadOnlyList<WorkerView>> WorkersAsync(CancellationToken ct) => await GetAsync<List<WorkerView>>("api/workers", ct) ?? [];

    private async Task<T?> GetAsync<T>(string path, CancellationToken ct) where T : class
    {
        try
        {
            using var response = await http.GetAsync(path, ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<T>(ct);
        }
        catch (HttpRequestException e)
        {
            throw new HttpRequestException($"the scheduler at {http.BaseAddress} is unreachable or failed ({e.Message})", e);
        }
    }
}
