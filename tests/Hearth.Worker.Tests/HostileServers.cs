using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Tests;

/// <summary>How one answer of a hostile server ended.</summary>
public enum AnswerEnd
{
    /// <summary>The server wrote everything it meant to and returned.</summary>
    Completed,

    /// <summary>The client went away (or stopped the connection) before the server had written everything.</summary>
    Aborted,
}

/// <summary>
/// A storage impostor on Kestrel loopback: every request, whatever its path, is answered by the test's handler (which
/// gets the request's abort token). It counts connections and requests and records how each answer ended.
/// </summary>
public sealed class HostileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<TaskCompletionSource<AnswerEnd>> _answers = [];
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    private HostileServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public int Connections => Volatile.Read(ref _connections);

    public int Requests
    {
        get
        {
            lock (_gate)
                return _answers.Count;
        }
    }

    /// <summary>Completes when the first request arrives.</summary>
    public Task FirstRequest => _firstRequest.Task;

    /// <param name="answer">Writes the answer; it should stop when the token (the request's abort) fires.</param>
    public static async Task<HostileServer> StartAsync(Func<HttpContext, CancellationToken, Task> answer, ITestOutputHelper output)
    {
        var builder = WebApplication.CreateSlimBuilder();
        HostileServer? server = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A client that stops reading is the worker's fault to handle, not Kestrel's to end.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => async connection =>
            {
                Interlocked.Increment(ref server!._connections);
                await next(connection);
            }));
        });
        builder.Logging.ClearProviders().AddProvider(new XunitLoggerProvider(output, "hostile")).SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        server = new HostileServer(app);
        app.Run(async http =>
        {
            var end = new TaskCompletionSource<AnswerEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (server._gate)
                server._answers.Add(end);
            server._firstRequest.TrySetResult();
            try
            {
                await answer(http, http.RequestAborted);
                // Writes to a connection the client closed are dropped at once, but Kestrel signals the abort a moment
                // later, on the thread pool: give the signal time to come (a client that reads the whole answer keeps the
                // connection open, so an answer it took whole still ends Completed).
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                end.TrySetResult(http.RequestAborted.IsCancellationRequested ? AnswerEnd.Aborted : AnswerEnd.Completed);
            }
            catch (Exception) when (http.RequestAborted.IsCancellationRequested)
            {
                end.TrySetResult(AnswerEnd.Aborted);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                end.TrySetResult(AnswerEnd.Aborted);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>How answer number <paramref name="index"/> (from 0) ended; waits for it up to 60 s (a safety net, not a timing claim).</summary>
    public async Task<AnswerEnd> AnswerEndAsync(int index = 0)
    {
        TaskCompletionSource<AnswerEnd> end;
        while (true)
        {
            lock (_gate)
            {
                if (_answers.Count > index)
                {
                    end = _answers[index];
                    break;
                }
            }
            await Task.Delay(20);
        }
        return await end.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Whether answer number <paramref name="index"/> has ended by now.</summary>
    public bool HasEnded(int index = 0)
    {
        lock (_gate)
            return _answers.Count > index && _answers[index].Task.IsCompleted;
    }

    /// <summary>The location of blob <paramref name="checksumHex"/> at this server, as an asset owner would register it.</summary>
    public string LocationOf(string checksumHex) => $"{BaseUrl}blobs/{checksumHex.ToLowerInvariant().Replace("0x", "")}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Writes <paramref name="bytes"/> one byte every <paramref name="interval"/>, flushing each, forever when null.</summary>
    public static async Task DripAsync(HttpContext http, TimeSpan interval, long? bytes, CancellationToken ct)
    {
        await http.Response.StartAsync(ct);
        for (long sent = 0; bytes is null || sent < bytes; sent++)
        {
            await http.Response.Body.WriteAsync(new byte[] { (byte)'x' }, ct);
            await http.Response.Body.FlushAsync(ct);
            await Task.Delay(interval, ct);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> of <paramref name="fill"/> repeated (forever when null) as fast as the client reads.</summary>
    public static async Task FloodAsync(HttpContext http, byte[] fill, long? bytes, CancellationToken ct)
    {
        await http.Response.StartAsync(ct);
        for (long sent = 0; bytes is null || sent < bytes; sent += fill.Length)
        {
            ct.ThrowIfCancellationRequested();
            var count = bytes is { } total ? (int)Math.Min(fill.Length, total - sent) : fill.Length;
            await http.Response.Body.WriteAsync(fill.AsMemory(0, count), ct);
        }
    }
}

/// <summary>
/// A server on raw loopback TCP that answers every request with a head the test writes (a head Kestrel would refuse to
/// send, e.g. a Content-Length that the chunked body ignores) and then endless chunks of bytes.
/// </summary>
public sealed class LyingServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _head;
    private readonly Task _accepting;
    private readonly TaskCompletionSource<long> _firstAnswerEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    private LyingServer(string head)
    {
        _head = head;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseUrl { get; }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The body bytes written to the first connection before the client went away (60 s safety net).</summary>
    public Task<long> FirstAnswerEndedAsync() => _firstAnswerEnded.Task.WaitAsync(TimeSpan.FromSeconds(60));

    /// <param name="head">The status line and headers, each line ending in CRLF, without the blank line.</param>
    public static LyingServer Start(string head) => new(head);

    public string LocationOf(string checksumHex) => $"{BaseUrl}blobs/{checksumHex.ToLowerInvariant().Replace("0x", "")}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var first = Interlocked.Increment(ref _connections) == 1;
            _ = Task.Run(() => AnswerAsync(client, first));
        }
    }

    private async Task AnswerAsync(TcpClient client, bool first)
    {
        long sent = 0;
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = new List<byte>();
                var buffer = new byte[1024];
                while (!Encoding.ASCII.GetString([.. request]).Contains("\r\n\r\n"))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                        return;
                    request.AddRange(buffer.AsSpan(0, read).ToArray());
                }
                await stream.WriteAsync(Encoding.ASCII.GetBytes(_head + "\r\n"), _stop.Token);
                var chunk = Encoding.ASCII.GetBytes($"{65536:x}\r\n" + new string('z', 65536) + "\r\n");
                while (!_stop.IsCancellationRequested)
                {
                    await stream.WriteAsync(chunk, _stop.Token);
                    sent += 65536;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                if (first)
                    _firstAnswerEnded.TrySetResult(sent);
            }
        }
    }
}
