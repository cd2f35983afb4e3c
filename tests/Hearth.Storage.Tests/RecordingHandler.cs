using System.Collections.Concurrent;

namespace Hearth.Storage.Tests;

/// <summary>Passes requests to a real handler and records them: every method and path, and the GETs' Range headers.</summary>
public sealed class RecordingHandler() : DelegatingHandler(Build.Handler())
{
    private int _gets;
    private readonly ConcurrentQueue<string> _ranges = new();
    private readonly ConcurrentQueue<string> _requests = new();

    public int Gets => Volatile.Read(ref _gets);

    public string[] Ranges => [.. _ranges];

    /// <summary>Every request sent, as "METHOD /path".</summary>
    public string[] Requests => [.. _requests];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue($"{request.Method} {request.RequestUri?.AbsolutePath}");
        if (request.Method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
            if (request.Headers.Range is { } range)
                _ranges.Enqueue(range.ToString());
        }
        return base.SendAsync(request, cancellationToken);
    }
}
