using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Hearth.Protocol;
using Hearth.Protocol.WorkerApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;

namespace Hearth.Worker.Tests;

/// <summary>
/// A small but real scheduler side of the worker API on Kestrel loopback: it issues single-use challenges, checks login
/// signatures, hands out the assignments a test queued for a worker, and records everything workers send.
/// </summary>
public sealed class FakeScheduler : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _workerpool;
    private readonly EthECKey _key;
    private readonly ConcurrentDictionary<string, (string Worker, DateTimeOffset ExpiresAt)> _challenges = new();
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private readonly ConcurrentDictionary<string, Channel<Assignment>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _cancellations = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();

    private FakeScheduler(WebApplication app, string workerpool, EthECKey key)
    {
        _app = app;
        _workerpool = workerpool;
        _key = key;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public string Address => _key.GetPublicAddress();

    public List<string> Logins { get; } = [];

    public List<(string Worker, HeartbeatRequest Request)> Heartbeats { get; } = [];

    public List<(string Worker, string ReplicateId, string Stage)> Progress { get; } = [];

    public List<(string Worker, string ReplicateId, ContributionReport Report)> Contributions { get; } = [];

    /// <summary>Replicates handed to a worker in the answer to an exchange that carried reports.</summary>
    public List<string> HandedBack { get; } = [];

    public List<(string Worker, string ReplicateId, FailureReport Report)> Failures { get; } = [];

    /// <summary>Exchanges carrying more reports are refused with 413, as a scheduler with a small body limit would.</summary>
    public int? MaxReportsPerExchange { get; set; }

    /// <summary>How long an exchange carrying reports is held before its answer, so that reports pile up meanwhile.</summary>
    public TimeSpan ReportAnswerDelay { get; set; }

    /// <summary>The next this many exchanges carrying reports are answered 503 with Retry-After (the chain or storage away).</summary>
    public int UnavailableExchanges { get; set; }

    /// <summary>The next this many reports are answered 503 in their outcome, within a 200 exchange.</summary>
    public int DeferredReports { get; set; }

    /// <summary>Exchanges carrying reports answered 503, and reports answered 503 in their outcome.</summary>
    public int Unavailable { get; private set; }

    /// <summary>Exchanges refused for carrying too many reports.</summary>
    public int TooLarge { get; private set; }

    public static async Task<FakeScheduler> StartAsync(string workerpool, EthECKey key, ITestOutputHelper output, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders().AddProvider(new XunitLoggerProvider(output, "scheduler")).SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var scheduler = new FakeScheduler(app, workerpool, key);
        scheduler.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        scheduler.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return scheduler;
    }

    /// <summary>Queues an assignment for the worker it was signed for.</summary>
    public void Enqueue(string worker, Assignment assignment) => QueueOf(worker).Writer.TryWrite(assignment);

    /// <summary>The next heartbeat of <paramref name="worker"/> tells it to drop the replicate.</summary>
    public void Cancel(string worker, string replicateId) => _cancellations.GetOrAdd(worker, _ => new()).Enqueue(replicateId);

    /// <summary>Forgets every token, as a restarted scheduler would: the next request of each worker gets 401.</summary>
    public void RevokeTokens() => _tokens.Clear();

    /// <summary>Waits until <paramref name="probe"/> finds something in what was recorded (60 s safety net, not a timing claim).</summary>
    public async Task<T> WaitForAsync<T>(Func<FakeScheduler, T?> probe, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            Task signal;
            T? found;
            lock (_gate)
            {
                signal = _changed.Task;
                found = probe(this);
            }
            if (found is not null && !found.Equals(default(T)))
                return found;
            try
            {
                await signal.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the fake scheduler never saw {what}");
            }
        }
    }

    /// <summary>Reads the records under the lock the endpoints write them under.</summary>
    public T Read<T>(Func<FakeScheduler, T> read)
    {
        lock (_gate)
            return read(this);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/workers");
        api.MapPost("/challenge", (ChallengeRequest request) =>
        {
            if (!Addresses.IsValid(request.Worker))
                return Results.Problem(statusCode: 400, detail: "worker is not an address");
            var challenge = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var expires = DateTimeOffset.UtcNow.AddMinutes(1);
            _challenges[challenge] = (request.Worker, expires);
            return Results.Ok(new ChallengeResponse(challenge, expires));
        });
        api.MapPost("/login", (LoginRequest request) =>
        {
            if (!_challenges.TryRemove(request.Challenge, out var issued) || issued.ExpiresAt < DateTimeOffset.UtcNow
                || !Addresses.AreEqual(issued.Worker, request.Worker))
                return Results.Problem(statusCode: 401, detail: "unknown, used or expired challenge");
            if (request.Workerpool != _workerpool)
                return Results.Problem(statusCode: 401, detail: $"this scheduler serves workerpool {_workerpool}");
            var signer = new EthereumMessageSigner().EncodeUTF8AndEcRecover(WorkerLogin.Message(request.Workerpool, request.Challenge), request.Signature);
            if (!Addresses.AreEqual(signer, request.Worker))
                return Results.Problem(statusCode: 401, detail: "the signature is not the worker's");
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            _tokens[token] = request.Worker;
            Record(() => Logins.Add(request.Worker));
            return Results.Ok(new LoginResponse(token, DateTimeOffset.UtcNow.AddHours(1), Address));
        });
        api.MapPost("/heartbeat", (HttpContext http, HeartbeatRequest request) => Authorized(http, worker =>
        {
            Record(() => Heartbeats.Add((worker, request)));
            var cancelled = new List<string>();
            if (_cancellations.TryGetValue(worker, out var queue))
            {
                while (queue.TryDequeue(out var id))
                    cancelled.Add(id);
            }
            return Results.Ok(new HeartbeatResponse(0, cancelled));
        }));
        api.MapPost("/assignments/next", async (HttpContext http, int? waitSeconds) =>
        {
            if (WorkerOf(http) is not { } worker)
                return Unauthorized();
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted,
                app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            wait.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(waitSeconds ?? 0, 0, 5)));
            try
            {
                return Results.Ok(await QueueOf(worker).Reader.ReadAsync(wait.Token));
            }
            catch (OperationCanceledException)
            {
                return Results.NoContent();
            }
        });
        api.MapPost("/exchange", async (HttpContext http, ExchangeRequest request, int? waitSeconds) =>
        {
            if (WorkerOf(http) is not { } worker)
                return Unauthorized();
            var reports = (request.Contributions?.Count ?? 0) + (request.Failures?.Count ?? 0);
            if (reports > MaxReportsPerExchange)
            {
                Record(() => TooLarge++);
                return Results.Problem(statusCode: 413, detail: $"at most {MaxReportsPerExchange} reports");
            }
            if (reports > 0)
                await Task.Delay(ReportAnswerDelay);
            if (reports > 0 && TakeUnavailable(exchange: true))
            {
                http.Response.Headers.RetryAfter = "1";
                return Results.Problem(statusCode: 503, detail: "the chain cannot be read right now");
            }
            var outcomes = new List<ReportOutcome>();
            foreach (var c in request.Contributions ?? [])
            {
                if (TakeUnavailable(exchange: false))
                {
                    outcomes.Add(new ReportOutcome(c.ReplicateId, 503, "the result storage cannot be reached right now"));
                    continue;
                }
                Record(() => Contributions.Add((worker, c.ReplicateId, c.Report)));
                outcomes.Add(new ReportOutcome(c.ReplicateId, 200, null));
            }
            foreach (var f in request.Failures ?? [])
            {
                Record(() => Failures.Add((worker, f.ReplicateId, f.Report)));
                outcomes.Add(new ReportOutcome(f.ReplicateId, 200, null));
            }
            var assignments = new List<Assignment>();
            while (assignments.Count < request.Want && QueueOf(worker).Reader.TryRead(out var queued))
                assignments.Add(queued);
            if (outcomes.Count > 0)
                Record(() => HandedBack.AddRange(assignments.Select(a => a.ReplicateId)));
            else if (assignments.Count == 0 && request.Want > 0)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted,
                    app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
                wait.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(waitSeconds ?? 0, 0, 5)));
                try
                {
                    assignments.Add(await QueueOf(worker).Reader.ReadAsync(wait.Token));
                }
                catch (OperationCanceledException)
                {
                    // Nothing came in time: an empty answer.
                }
            }
            return Results.Ok(new ExchangeResponse(outcomes, assignments));
        });
        api.MapPost("/replicates/{id}/progress", (HttpContext http, string id, ProgressReport report) =>
            Authorized(http, worker => Record(() => Progress.Add((worker, id, report.Stage)))));
        api.MapPost("/replicates/{id}/contribution", (HttpContext http, string id, ContributionReport report, bool? next) =>
            Authorized(http, worker =>
            {
                Record(() => Contributions.Add((worker, id, report)));
                if (next != true || !QueueOf(worker).Reader.TryRead(out var assignment)) return Results.NoContent();
                Record(() => HandedBack.Add(assignment.ReplicateId));
                return Results.Ok(assignment);
            }));
        api.MapPost("/replicates/{id}/failure", (HttpContext http, string id, FailureReport report) =>
            Authorized(http, worker => Record(() => Failures.Add((worker, id, report)))));
    }

    private IResult Authorized(HttpContext http, Func<string, IResult> handle) =>
        WorkerOf(http) is { } worker ? handle(worker) : Unauthorized();

    private IResult Authorized(HttpContext http, Action<string> handle) =>
        Authorized(http, worker =>
        {
            handle(worker);
            return Results.Ok();
        });

    private static IResult Unauthorized() => Results.Problem(statusCode: 401, detail: "log in first");

    private string? WorkerOf(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header["Bearer ".Length..], out var worker) ? worker : null;
    }

    private Channel<Assignment> QueueOf(string worker) => _queues.GetOrAdd(worker, _ => Channel.CreateUnbounded<Assignment>());

    /// <summary>Whether this exchange (or this report) is to be answered 503; counts it.</summary>
    private bool TakeUnavailable(bool exchange)
    {
        lock (_gate)
        {
            if ((exchange ? UnavailableExchanges : DeferredReports) <= 0) return false;
            if (exchange) UnavailableExchanges--;
            else DeferredReports--;
            Unavailable++;
            return true;
        }
    }

    private void Record(Action add)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            add();
            signal = _changed;
            _changed = NewSignal();
        }
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
