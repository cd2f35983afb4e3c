using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hearth.Worker;

/// <summary>A running worker; disposing it stops the worker (what it holds stays in its state file).</summary>
public sealed class WorkerHandle : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;

    internal WorkerHandle(IHost host)
    {
        _host = host;
        Status = host.Services.GetRequiredService<WorkerStatus>();
    }

    /// <summary>The worker's address.</summary>
    public string Address => Status.Worker;

    public WorkerStatus Status { get; }

    public IServiceProvider Services => _host.Services;

    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
            await _host.StopAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync();
        else
            _host.Dispose();
    }
}
