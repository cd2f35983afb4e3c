using System.Net;
using System.Net.Sockets;
using Hearth.Storage.Client;
using Hearth.Storage.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Storage.Tests;

/// <summary>Readable set-up for the tests: content, stores, running servers and clients.</summary>
public static class Build
{
    /// <summary>Deterministic, non-repeating bytes so ranges and corruption are easy to check.</summary>
    public static byte[] Content(int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static StorageOptions Options(TempDir dir, long maxBlobBytes = 1024 * 1024) =>
        new() { RootPath = dir.Sub("store"), MaxBlobBytes = maxBlobBytes };

    public static FileBlobStore Store(TempDir dir, long maxBlobBytes = 1024 * 1024, TimeProvider? time = null) =>
        new(Options(dir, maxBlobBytes), time: time);

    public static Task<StorageServerHandle> Server(TempDir dir, long maxBlobBytes = 1024 * 1024) =>
        Server(Options(dir, maxBlobBytes));

    public static Task<StorageServerHandle> Server(StorageOptions options) =>
        StorageServer.StartAsync(options, b => b.Logging.ClearProviders());

    public static HttpClient Http(Uri baseUrl, HttpMessageHandler? handler = null) =>
        new(handler ?? Handler()) { BaseAddress = baseUrl };

    /// <summary>
    /// A handler that waits for the server's answer to "Expect: 100-continue" even on a loaded machine, so a rejected
    /// upload is answered before its body is sent instead of racing the server closing the connection.
    /// </summary>
    public static SocketsHttpHandler Handler() => new() { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) };

    public static StorageClient Client(Uri baseUrl, HttpMessageHandler? handler = null) => new(Http(baseUrl, handler));

    /// <summary>A loopback port nobody listens on: bound once to learn a free number, then released.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
