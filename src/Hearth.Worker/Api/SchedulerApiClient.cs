using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Hearth.Protocol.WorkerApi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Worker.Api;

/// <summary>
/// Typed client of the scheduler's worker API (<see cref="Hearth.Protocol.WorkerApi"/>). It logs in on first use and
/// again when the scheduler answers 401, so callers never handle tokens. Failures are <see cref="SchedulerException"/>s.
/// </summary>
public sealed class SchedulerApiClient
{
    public const string HttpClientName = "Hearth.Worker.Scheduler";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly WorkerIdentity _identity;
    private readonly string _workerpool;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private volatile string? _token;

    /// <param name="http">Its <see cref="HttpClient.BaseAddress"/> is the scheduler's base URL; its own timeout is not used.</param>
    public SchedulerApiClient(HttpClient http, WorkerIdentity identity, string workerpool, TimeSpan requestTimeout, ILogger<SchedulerApiClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(identity);
        if (http.BaseAddress is null)
            throw new ArgumentException("The HttpClient needs a BaseAddress: the scheduler's base URL.", nameof(http));
        _http = http;
        _identity = identity;
        _workerpool = workerpool;
        _requestTimeout = requestTimeout;
        _logger = logger ?? NullLogger<SchedulerApiClient>.Instance;
        BaseUrl = http.BaseAddress.AbsoluteUri.EndsWith('/') ? http.BaseAddress : new Uri(http.BaseAddress.AbsoluteUri + "/");
    }

    public Uri BaseUrl { get; }

    /// <summary>The scheduler address the last login reported, or null before the first login.</summary>
    public string? LoggedInScheduler { get; private set; }

    public bool IsLoggedIn => _token is not null;

    /// <summary>Takes a challenge and signs it; replaces the current token.</summary>
    public async Task<LoginResponse> LoginAsync(CancellationToken ct)
    {
        var challenge = await SendAsync<ChallengeResponse>(HttpMethod.Post, "api/workers/challenge",
            new ChallengeRequest(_identity.Address), token: null, _requestTimeout, ct)
            ?? throw Malformed("challenge");
        if (string.IsNullOrEmpty(challenge.Challenge))
            throw Malformed("challenge");
        var signature = _identity.SignMessage(WorkerLogin.Message(_workerpool, challenge.Challenge));
        LoginResponse? login;
        try
        {
            login = await SendAsync<LoginResponse>(HttpMethod.Post, "api/workers/login",
                new LoginRequest(_identity.Address, _workerpool, challenge.Challenge, signature), token: null, _requestTimeout, ct);
        }
        catch (SchedulerRequestException e) when (e.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new SchedulerUnauthorizedException(BaseUrl,
                $"Scheduler at {BaseUrl} refused the login of worker {_identity.Address} for workerpool {_workerpool}: {e.Detail}");
        }
        if (login is null || string.IsNullOrEmpty(login.Token))
            throw Malformed("login");
        _token = login.Token;
        LoggedInScheduler = login.Scheduler;
        WorkerLog.LoggedIn(_logger, _identity.Address, BaseUrl, login.Scheduler, login.ExpiresAt);
        return login;
    }

    public async Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, CancellationToken ct) =>
        await SendAuthorizedAsync<HeartbeatResponse>("api/workers/heartbeat", request, _requestTimeout, ct) ?? throw Malformed("heartbeat");

    /// <summary>Sends reports and asks for work in one request; the scheduler waits up to <paramref name="waitSeconds"/> for work only when no report goes.</summary>
    public async Task<ExchangeResponse> ExchangeAsync(ExchangeRequest request, int waitSeconds, CancellationToken ct)
    {
        var response = await SendAuthorizedAsync<ExchangeResponse>($"api/workers/exchange?waitSeconds={waitSeconds}", request,
            _requestTimeout + TimeSpan.FromSeconds(waitSeconds), ct) ?? throw Malformed("exchange");
        var reports = (request.Contributions?.Count ?? 0) + (request.Failures?.Count ?? 0);
        if (response.Outcomes is null || response.Assignments is null || response.Outcomes.Count != reports)
            throw Malformed("exchange");
        return response;
    }

    /// <summary>Waits up to <paramref name="waitSeconds"/> at the scheduler for an assignment; null when none came.</summary>
    public Task<Assignment?> NextAssignmentAsync(int waitSeconds, CancellationToken ct) =>
        SendAuthorizedAsync<Assignment>($"api/workers/assignments/next?waitSeconds={waitSeconds}", body: null,
            _requestTimeout + TimeSpan.FromSeconds(waitSeconds), ct);

    public Task ReportProgressAsync(string replicateId, ProgressReport report, CancellationToken ct) =>
        SendAuthorizedAsync<object>(ReplicatePath(replicateId, "progress"), report, _requestTimeout, ct);

    /// <summary>Sends a contribution; with <paramref name="takeNext"/> the answer carries the worker's next assignment, if one is placed.</summary>
    public Task<Assignment?> ReportContributionAsync(string replicateId, ContributionReport report, bool takeNext, CancellationToken ct) =>
        SendAuthorizedAsync<Assignment>(ReplicatePath(replicateId, "contribution") + (takeNext ? "?next=true" : ""), report, _requestTimeout, ct);

    public Task ReportFailureAsync(string replicateId, FailureReport report, CancellationToken ct) =>
        SendAuthorizedAsync<object>(ReplicatePath(replicateId, "failure"), report, _requestTimeout, ct);

    private static string ReplicatePath(string replicateId, string action) =>
        $"api/workers/replicates/{Uri.EscapeDataString(replicateId)}/{action}";

    private async Task<T?> SendAuthorizedAsync<T>(string path, object? body, TimeSpan timeout, CancellationToken ct) where T : class
    {
        var token = _token ?? await LoginOnceAsync(stale: null, ct);
        try
        {
            return await SendAsync<T>(HttpMethod.Post, path, body, token, timeout, ct);
        }
        catch (SchedulerRequestException e) when (e.StatusCode == HttpStatusCode.Unauthorized)
        {
            // Tokens expire and a restarted scheduler forgets them: log in again, once.
            WorkerLog.TokenRefused(_logger, BaseUrl);
            token = await LoginOnceAsync(stale: token, ct);
            try
            {
                return await SendAsync<T>(HttpMethod.Post, path, body, token, timeout, ct);
            }
            catch (SchedulerRequestException again) when (again.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new SchedulerUnauthorizedException(BaseUrl, $"Scheduler at {BaseUrl} refused a fresh login token for {path}: {again.Detail}");
            }
        }
    }

    /// <summary>Logs in unless another caller already replaced <paramref name="stale"/> with a new token.</summary>
    private async Task<string> LoginOnceAsync(string? stale, CancellationToken ct)
    {
        await _loginLock.WaitAsync(ct);
        try
        {
            if (_token is { } current && current != stale)
                return current;
            _token = null;
            return (await LoginAsync(ct)).Token;
        }
        finally
        {
            _loginLock.Release();
        }
    }

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, string? token, TimeSpan timeout, CancellationToken ct) where T : class
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseUrl, path));
        if (body is not null)
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeoutSource.Token);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                ? "connection refused (is the scheduler running?)"
                : e.Message;
            throw new SchedulerUnreachableException(BaseUrl, $"Scheduler at {BaseUrl} is unreachable: {reason}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new SchedulerUnreachableException(BaseUrl, $"Scheduler at {BaseUrl} did not answer {path} within {timeout.TotalSeconds:0.#} s.", e);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NoContent)
                return null;
            if (!response.IsSuccessStatusCode)
            {
                var detail = await ProblemDetail.ReadAsync(response, ct);
                throw new SchedulerRequestException(BaseUrl, response.StatusCode, detail,
                    $"Scheduler at {BaseUrl} answered {(int)response.StatusCode} {response.ReasonPhrase} to {path}: {detail}");
            }
            if (typeof(T) == typeof(object) || response.Content.Headers.ContentLength == 0)
                return null;
            try
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, ct);
            }
            catch (JsonException e)
            {
                throw new SchedulerException(BaseUrl, $"Scheduler at {BaseUrl} answered {path} with a body that is not a {typeof(T).Name}: {e.Message}", e);
            }
        }
    }

    private SchedulerException Malformed(string what) =>
        new(BaseUrl, $"Scheduler at {BaseUrl} answered the {what} request without the fields the worker API requires.");
}
