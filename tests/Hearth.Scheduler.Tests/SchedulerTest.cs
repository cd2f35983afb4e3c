using Hearth.Scheduler.Hosting;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A test class whose every test gets a chain of its own, a pool with <c>workers</c> staked worker keys, and a scheduler
/// with the default test options; <see cref="Anonymous"/> calls it without a token. All of it is stopped after the test.
/// </summary>
public abstract class SchedulerTest(int workers) : IAsyncLifetime
{
    protected TestNetwork Net { get; private set; } = null!;

    protected SchedulerServerHandle Server { get; private set; } = null!;

    protected HttpClient Anonymous { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Net = await TestNetwork.StartAsync(workers);
        Server = await Net.StartSchedulerAsync(Net.Options());
        Anonymous = new HttpClient { BaseAddress = Server.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        Anonymous.Dispose();
        await Net.DisposeAsync();
    }

    /// <summary>A worker of the pool with key <paramref name="i"/>, not yet logged in.</summary>
    protected TestWorker Worker(int i) => new(Server.BaseUrl, Net.WorkerKey(i), Net.Pool.ToString(), Net.Requester.Domain);
}
