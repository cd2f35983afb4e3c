using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hearth.Chain;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Worker;
using Hearth.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// Apps registered on chain whose locations, on a hostile server on 127.0.0.1, serve an endless body, an error with a
/// huge body (10 GB announced and streamed; 1 GB when CI is set), and a body at one byte a second. A real worker of a pool
/// of its own (loopback allowed by Worker:AllowedDownloadHosts, as a campaign on one machine must; campaign limits: apps
/// of 16 MiB, downloads of 30 s, 10 s idle; 4 MiB, 10 s and 5 s when CI is set) is given one task of each. Each replicate
/// must fail with a reason that says what happened (and none of the hostile body), within the worker's limits; the server
/// must see the worker stop reading; the worker must then run an honest task (the network's hello app) to settlement.
/// </summary>
internal sealed class HostileAppLocationsAttack : IAttack
{
    private const string Marker = "HOSTILE-BODY-MUST-NOT-BE-ECHOED";

    public string Name => "hostile-app-locations";

    private static bool Ci => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var maxApp = Ci ? 4L << 20 : 16L << 20;
        var downloadTimeout = TimeSpan.FromSeconds(Ci ? 10 : 30);
        var idleTimeout = TimeSpan.FromSeconds(Ci ? 5 : 10);
        var announced = Ci ? 1L << 30 : 10L << 30;

        await using var server = HostileServer.Start(announced);
        await using var pool = await PrivatePool.StartAsync(net, null, o => o.ReplicateRetryDelayMs = 600_000, ct);
        var (key, _) = await PrivatePool.FundedKeyAsync(net, Tokens.FromHrth(100), stake: true, ct);
        var folder = Directory.CreateTempSubdirectory("hearth-attack-worker-").FullName;
        try
        {
            await using var worker = await WorkerHost.StartAsync(new WorkerOptions
            {
                SchedulerUrl = pool.SchedulerUrl.ToString(),
                Workerpool = pool.Pool.ToString(System.Globalization.CultureInfo.InvariantCulture),
                PrivateKey = key.GetPrivateKey(),
                StorageUrl = net.StorageUrl,
                CacheFolder = Path.Combine(folder, "cache"),
                WorkFolder = Path.Combine(folder, "work"),
                Slots = 4,
                HeartbeatInterval = TimeSpan.FromSeconds(2),
                TelemetrySource = TelemetrySources.None,
                ChainId = net.Chain.Deployment.ChainId,
                MarketAddress = net.Chain.Deployment.Market,
                SchedulerAddress = pool.SchedulerAddress,
                AssignmentWaitSeconds = 5,
                AllowedDownloadHosts = ["127.0.0.0/8"],
                MaxAppBytes = maxApp,
                DownloadTimeout = downloadTimeout,
                DownloadIdleTimeout = idleTimeout,
                DownloadAttempts = 2,
                RetryInitialDelay = TimeSpan.FromMilliseconds(500),
                RetryMaxDelay = TimeSpan.FromSeconds(1),
            }, services => services.AddLogging(l => l.SetMinimumLevel(LogLevel.Critical)), ct);

            string[] paths = ["endless", "huge-error", "slow"];
            var deals = new Dictionary<string, Hash32>();
            foreach (var path in paths)
            {
                var app = await pool.Owner.RegisterAppAsync(Hash32.Sha256(Encoding.UTF8.GetBytes(path + Guid.NewGuid())), $"{server.Url}{path}", "hostile " + path, ct);
                deals[path] = (await pool.DealAsync(1, 1, Tokens.FromHrth(0.01m), ct, app.Id)).DealId;
            }

            var clock = Stopwatch.StartNew();
            var limit = downloadTimeout * 2 + TimeSpan.FromSeconds(30);
            var reasons = new Dictionary<string, (string Reason, double Seconds)>();
            while (clock.Elapsed < limit && reasons.Count < paths.Length)
            {
                foreach (var path in paths.Where(p => !reasons.ContainsKey(p)))
                {
                    var view = await pool.TaskAsync(deals[path], 0, ct);
                    if (view?.Replicates.FirstOrDefault(r => r.Status == "Failed") is { } failed)
                        reasons[path] = (failed.Reason, clock.Elapsed.TotalSeconds);
                }
                await Task.Delay(250, ct);
            }

            // The honest task, on the same worker, afterwards.
            var hello = net.Apps.Single(a => a.Name == "hello-as");
            var honest = await pool.DealAsync(1, 1, Tokens.FromHrth(0.01m), ct, hello.Id, new EthECKey(net.Chain.Keys[DevAccounts.AppOwner]), "after hostile apps");
            var honestView = await pool.WaitTaskAsync(honest.DealId, 0, TimeSpan.FromSeconds(60), ct, "Settled", "Failed");
            var settledOnChain = (await pool.Owner.TasksSettledAsync(honest.DealId, ct)).Count;

            var lines = paths.Select(p => reasons.TryGetValue(p, out var r)
                ? $"{p}: failed at {r.Seconds:0.0} s (\"{Tail(r.Reason)}\")"
                : $"{p}: no failure seen");
            var echoed = reasons.Values.Count(r => r.Reason.Contains(Marker, StringComparison.Ordinal));
            var sent = string.Join(", ", paths.Select(p => $"{p} {server.Sent(p) / (1024.0 * 1024):0.#} MiB over {server.Connections(p)} connection(s)"));
            var endlessBounded = server.Sent("endless") <= server.Connections("endless") * (maxApp + (32L << 20));
            var errorBounded = server.Sent("huge-error") <= server.Connections("huge-error") * (32L << 20);
            var inTime = reasons.Values.All(r => r.Seconds <= (downloadTimeout * 2 + TimeSpan.FromSeconds(15)).TotalSeconds);
            return new AttackOutcome(Name,
                $"registered 3 apps on a hostile server on 127.0.0.1 (endless 200 body; 500 with a {announced >> 30} GiB body announced and streamed; 1 byte/s) and gave one task of each to a real worker of a pool of its own (apps up to {maxApp >> 20} MiB, downloads {downloadTimeout.TotalSeconds:0} s, idle {idleTimeout.TotalSeconds:0} s, 2 attempts); then an honest task of the hello app",
                $"{string.Join("; ", lines)}; the hostile server sent {sent}; reasons quoting the hostile body: {echoed}; the honest task: {honestView?.Status ?? "not seen"}, {settledOnChain} TaskSettled event(s)",
                reasons.Count == paths.Length && inTime && echoed == 0 && endlessBounded && errorBounded && honestView?.Status == "Settled" && settledOnChain == 1);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the system to clean.
            }
        }
    }

    /// <summary>The end of a reason: where it says what went wrong (its start names the worker and the module).</summary>
    private static string Tail(string reason) => reason.Length <= 200 ? reason : "…" + reason[^200..];

    /// <summary>A raw HTTP/1.1 server on 127.0.0.1 serving /endless, /huge-error and /slow, counting what it sent.</summary>
    private sealed class HostileServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<string, long> _sent = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _connections = new(StringComparer.Ordinal);
        private readonly long _announced;
        private Task _accepting = Task.CompletedTask;

        private HostileServer(long announced) => _announced = announced;

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

        public long Sent(string path) => _sent.GetValueOrDefault(path);

        public int Connections(string path) => _connections.GetValueOrDefault(path);

        public static HostileServer Start(long announced)
        {
            var server = new HostileServer(announced);
            server._listener.Start();
            server._accepting = Task.Run(server.AcceptAsync);
            return server;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var ct = _stop.Token;
                try
                {
                    var stream = client.GetStream();
                    var head = new StringBuilder();
                    var one = new byte[1];
                    while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16_384)
                    {
                        if (await stream.ReadAsync(one, ct) == 0) return;
                        head.Append((char)one[0]);
                    }
                    // A location is a storage base: the worker asks for {location}/blobs/{sha256}.
                    var path = head.ToString().Split(' ')[1].Trim('/').Split('/')[0];
                    _connections.AddOrUpdate(path, 1, (_, n) => n + 1);
                    var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Marker + " ", 2048)));
                    switch (path)
                    {
                        case "endless":
                            await WriteAsync(stream, path, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/wasm\r\nConnection: close\r\n\r\n"), ct);
                            while (true) await WriteAsync(stream, path, chunk, ct);
                        case "huge-error":
                            await WriteAsync(stream, path, Encoding.ASCII.GetBytes($"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {_announced}\r\nConnection: close\r\n\r\n"), ct);
                            for (long left = _announced; left > 0; left -= chunk.Length) await WriteAsync(stream, path, chunk, ct);
                            return;
                        case "slow":
                            await WriteAsync(stream, path, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/wasm\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n"), ct);
                            for (var i = 0; i < 1_048_576; i++)
                            {
                                await WriteAsync(stream, path, [0], ct);
                                await Task.Delay(1_000, ct);
                            }
                            return;
                        default:
                            await WriteAsync(stream, "other", Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), ct);
                            return;
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The worker stopped reading and closed: what the attack wants to see.
                }
            }
        }

        private async Task WriteAsync(NetworkStream stream, string path, byte[] bytes, CancellationToken ct)
        {
            await stream.WriteAsync(bytes, ct);
            _sent.AddOrUpdate(path, bytes.Length, (_, n) => n + bytes.Length);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
