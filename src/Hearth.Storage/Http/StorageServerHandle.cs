using Microsoft.AspNetCore.Builder;

namespace Hearth.Storage.Http;

/// <summary>A running storage service; disposing it stops the server.</summary>
public sealed class StorageServerHandle : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal StorageServerHandle(WebApplication app, Uri baseUrl, FileBlobStore store)
    {
        _app = app;
        BaseUrl = baseUrl;
        Store = store;
    }

    /// <summary>Where the service listens, ending with a slash, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUrl { get; }

    public int Port => BaseUrl.Port;

    /// <summary>The store behind the service, for inspection by its host.</summary>
    public FileBlobStore Store { get; }

    public IServiceProvider Services => _app.Services;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
