using System.Net;
using System.Net.Http.Json;
using Hearth.Scheduler.Api;

namespace Hearth.Scheduler.Tests;

public static class ReadApi
{
    public static async Task<DealView?> DealAsync(HttpClient http, string dealId)
    {
        using var r = await http.GetAsync($"api/deals/{dealId}");
        return r.StatusCode == HttpStatusCode.NotFound ? null : await r.Content.ReadFromJsonAsync<DealView>();
    }

    public static async Task<TaskView> TaskAsync(HttpClient http, string taskId) =>
        (await http.GetFromJsonAsync<TaskView>($"api/tasks/{taskId}"))!;

    public static Task<DealView> DealWhereAsync(HttpClient http, string dealId, Func<DealView, bool> done, string what) =>
        Eventually.GetAsync(() => DealAsync(http, dealId), d => d is not null && done(d), what);

    public static Task<TaskView> TaskWhereAsync(HttpClient http, string taskId, Func<TaskView, bool> done, string what) =>
        Eventually.GetAsync(async () => (TaskView?)await TaskAsync(http, taskId), t => t is not null && done(t), what);
}
