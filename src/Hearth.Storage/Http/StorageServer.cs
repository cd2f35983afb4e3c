using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.ListenPort);
            kestrel.Limits.MaxRequestBodySize = options.MaxBlobBytes;
        });
        builder.Services.AddHearthStorage(options.CopyTo);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapHearthStorage();
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting the address it listens on.");
        var baseUrl = new Uri(address.TrimEnd('/') + "/");
        var store = app.Services.GetRequiredService<FileBlobStore>();
        StorageLog.ServerStarted(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StorageServer)), store.RootPath, baseUrl);
        return new StorageServerHandle(app, baseUrl, store);
    }
}
