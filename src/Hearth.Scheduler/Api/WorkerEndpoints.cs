using System.Text.Json;
using Hearth.Protocol.WorkerApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Api;

/// <summary>The worker API over HTTP (routes in <see cref="Protocol.WorkerApi"/>). Bodies are read here, bounded and
/// checked, so that hostile input gets a precise 4xx problem rather than a stack trace.</summary>
internal static class WorkerEndpoints
{
    private const string WorkerItem = "hearth.worker";

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workers");
        // Anonymous routes: a token bucket per client, checked before the body is read.
        var anonymous = group.MapGroup("").AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<AnonymousRateLimit>().TryAdmit(ctx.HttpContext) is { } retryAfter
                ? Problem(429, $"too many requests from this client to the anonymous worker routes; ask again in {retryAfter} s", retryAfter)
                : await next(ctx));
        anonymous.MapPost("/challenge", async (HttpContext http, WorkerService svc) =>
            await BodyAsync<ChallengeRequest>(http) is var (body, problem) && problem is not null ? problem : Answer(svc.Challenge(body)));
        anonymous.MapPost("/login", async (HttpContext http, WorkerService svc) =>
            await BodyAsync<LoginRequest>(http) is var (body, problem) && problem is not null ? problem : Answer(await svc.LoginAsync(body, http.RequestAborted)));

        var authed = group.MapGroup("").AddEndpointFilter(async (ctx, next) =>
        {
            var header = ctx.HttpContext.Request.Headers.Authorization.ToString();
            var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
            var worker = ctx.HttpContext.RequestServices.GetRequiredService<WorkerAuth>().Authenticate(token);
            if (worker is null) return Problem(401, token is null ? "missing bearer token: log in first" : "unknown or expired token: log in again");
            ctx.HttpContext.Items[WorkerItem] = worker;
            return await next(ctx);
        });
        authed.MapPost("/heartbeat", async (HttpContext http, WorkerService svc) =>
            await BodyAsync<HeartbeatRequest>(http) is var (body, problem) && problem is not null ? problem : Answer(await svc.HeartbeatAsync(Worker(http), body, http.RequestAborted)));
        authed.MapPost("/exchange", async (HttpContext http, WorkerExchange exchange, int? waitSeconds) =>
        {
            if (waitSeconds is < 0 or > 30) return Problem(400, $"waitSeconds must be between 0 and 30, was {waitSeconds}");
            if (await BodyAsync<ExchangeRequest>(http) is var (body, problem) && problem is not null) return problem;
            return Answer(await exchange.ExchangeAsync(Worker(http), body, TimeSpan.FromSeconds(waitSeconds ?? 0), http.RequestAborted));
        });
        authed.MapPost("/assignments/next", async (HttpContext http, WorkerExchange exchange, int? waitSeconds) =>
        {
            var wait = waitSeconds ?? 0;
            if (wait is < 0 or > 30) return Problem(400, $"waitSeconds must be between 0 and 30, was {wait}");
            var result = await exchange.NextAsync(Worker(http), TimeSpan.FromSeconds(wait), http.RequestAborted);
            if (!result.Ok) return Problem(result.Status, result.Error!, result.RetryAfterSeconds);
            return result.Value is { } assignment ? Results.Ok(assignment) : Results.NoContent();
        });
        authed.MapPost("/replicates/{id}/progress", async (HttpContext http, WorkerService svc, string id) =>
            await BodyAsync<ProgressReport>(http) is var (body, problem) && problem is not null ? problem : Done(await svc.ProgressAsync(Worker(http), id, body, http.RequestAborted)));
        // With next=true the answer carries the worker's next assignment (200), or none (204).
        authed.MapPost("/replicates/{id}/contribution", async (HttpContext http, WorkerExchange exchange, string id, bool? next) =>
        {
            if (await BodyAsync<ContributionReport>(http) is var (body, problem) && problem is not null) return problem;
            var result = await exchange.ContributeAsync(Worker(http), id, body, next ?? false, http.RequestAborted);
            if (!result.Ok) return Problem(result.Status, result.Error!, result.RetryAfterSeconds);
            return result.Value is { } assignment ? Results.Ok(assignment) : Results.NoContent();
        });
        authed.MapPost("/replicates/{id}/failure", async (HttpContext http, WorkerExchange exchange, string id) =>
            await BodyAsync<FailureReport>(http) is var (body, problem) && problem is not null ? problem : Done(await exchange.FailAsync(Worker(http), id, body, http.RequestAborted)));
    }

    private static string Worker(HttpContext http) => (string)http.Items[WorkerItem]!;

    private static IResult Answer<T>(ApiResult<T> result) => result.Ok ? Results.Ok(result.Value) : Problem(result.Status, result.Error!, result.RetryAfterSeconds);

    private static IResult Done(ApiResult<bool> result) => result.Ok ? Results.NoContent() : Problem(result.Status, result.Error!, result.RetryAfterSeconds);

    /// <summary>A problem; with <paramref name="retryAfterSeconds"/>, a Retry-After header too.</summary>
    internal static IResult Problem(int status, string detail, int? retryAfterSeconds = null)
    {
        var problem = Problem(status, detail);
        return retryAfterSeconds is { } seconds ? new RetryAfterResult(problem, seconds) : problem;
    }

    internal static IResult Problem(int status, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: status switch
        {
            400 => "Bad request",
            401 => "Not logged in",
            403 => "Forbidden",
            404 => "Not found",
            409 => "Conflict",
            413 => "Body too large",
            415 => "Unsupported media type",
            429 => "Too many requests",
            503 => "Service unavailable",
            _ => "Error",
        });

    private sealed class RetryAfterResult(IResult problem, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(http);
        }
    }

    /// <summary>The unread rest of the body is not drained: the connection closes, and the client is told so it does not reuse it.</summary>
    private static IResult TooLarge(HttpContext http, long limit)
    {
        http.Response.Headers.Connection = "close";
        return Problem(413, $"the body is larger than {limit} bytes");
    }

    /// <summary>Reads a JSON body of at most the configured size; a problem result when it is missing, too large or malformed.</summary>
    private static async Task<(T? Body, IResult? Problem)> BodyAsync<T>(HttpContext http) where T : class
    {
        var limit = http.RequestServices.GetRequiredService<IOptions<SchedulerOptions>>().Value.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit) return (null, TooLarge(http, limit));
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        if (http.Request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return (null, Problem(415, "send application/json"));
        using var buffer = new MemoryStream();
        try
        {
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(http, limit));
        }
        if (buffer.Length > limit) return (null, TooLarge(http, limit));
        if (buffer.Length == 0) return (null, Problem(400, "a JSON body is required"));
        try
        {
            var body = JsonSerializer.Deserialize<T>(buffer.ToArray(), JsonSerializerOptions.Web);
            return body is null ? (null, Problem(400, "a JSON object is required")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, Problem(400, $"malformed JSON: {e.Message}"));
        }
    }
}
