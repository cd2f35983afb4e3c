using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Storage.Http;

/// <summary>Starts a stand-alone storage service on loopback, for tests and the local network.</summary>
public static class StorageServer
{
    public static Task<StorageServerHandle> StartAsync(StorageOptions options, CancellationToken ct = default) =>
        StartAsync(options, configure: null, ct);

    /// <param name="configure">Last word on the host before it is built, e.g. to change logging.</param>
    public static async Task<StorageServerHandle> StartAsync(StorageOptions options, Action<WebApplicationBuilder>? configure, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (app, baseUrl) = await LoopbackServer.StartAsync(options.ListenPort, options.MaxBlobBytes,
            services => services.AddHearthStorage(options.CopyTo), app => app.MapHearthStorage(), configure, ct);
        var store = app.Services.GetRequiredService<FileBlobStore>();
        StorageLog.ServerStarted(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StorageServer)), store.RootPath, baseUrl);
        return new StorageServerHandle(app, baseUrl, store);
    }
}
