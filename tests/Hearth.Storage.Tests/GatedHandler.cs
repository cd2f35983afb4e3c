namespace Hearth.Storage.Tests;

/// <summary>Holds every GET until the test opens the gate, so the test decides when downloads proceed.</summary>
public sealed class GatedHandler() : DelegatingHandler(Build.Handler())
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _gets;

    public int Gets => Volatile.Read(ref _gets);

    public Task FirstGetArrived => _firstArrived.Task;

    public void Open() => _gate.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
            _firstArrived.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
