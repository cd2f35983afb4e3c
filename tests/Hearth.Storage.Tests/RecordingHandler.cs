using System.Collections.Concurrent;

namespace Hearth.Storage.Tests;

/// <summary>Passes requests to a real handler and records the GETs and their Range headers.</summary>
public sealed class RecordingHandler() : DelegatingHandler(Build.Handler())
{
    private int _gets;
    private readonly ConcurrentQueue<string> _ranges = new();

    public int Gets => Volatile.Read(ref _gets);

    public string[] Ranges => [.. _ranges];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
            if (request.Headers.Range is { } range)
                _ranges.Enqueue(range.ToString());
        }
        return base.SendAsync(request, cancellationToken);
    }
}
