namespace Hearth.Scheduler.Tests;

/// <summary>Waits for a background loop to reach a state (polling, bounded); this is a barrier, not a timing claim.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, Func<T?, bool> done, string what, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        T? last = default;
        while (DateTime.UtcNow < until)
        {
            last = await probe();
            if (done(last)) return last!;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{what} did not happen in time; last seen: {System.Text.Json.JsonSerializer.Serialize(last)}");
    }

    public static Task TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? timeout = null) =>
        GetAsync(async () => await probe(), ok => ok, what, timeout);
}
