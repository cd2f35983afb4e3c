using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Api;

/// <summary>
/// Login challenges (single-use, short-lived) and bearer tokens (random, kept only as their sha256, with an expiry).
/// Both live in memory: a restarted scheduler asks its workers to log in again (401), which costs them one signature.
/// </summary>
public sealed class WorkerAuth(IOptions<SchedulerOptions> options, TimeProvider time)
{
    /// <summary>Outstanding challenges are bounded so that anonymous callers cannot fill the memory.</summary>
    private const int MaxChallenges = 10_000;

    private readonly ConcurrentDictionary<string, (string Worker, DateTimeOffset Expires)> _challenges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Worker, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);

    public (string Challenge, DateTimeOffset ExpiresAt) IssueChallenge(string worker)
    {
        var now = time.GetUtcNow();
        if (_challenges.Count >= MaxChallenges) Purge(_challenges, now);
        if (_challenges.Count >= MaxChallenges) throw new InvalidOperationException("too many outstanding login challenges; try again shortly");
        var challenge = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var expires = now.AddSeconds(options.Value.ChallengeLifetimeSeconds);
        _challenges[challenge] = (worker.ToLowerInvariant(), expires);
        return (challenge, expires);
    }

    /// <summary>Consumes the challenge: whatever the outcome of the login, it cannot be used again.</summary>
    public string? TakeChallenge(string challenge, string worker)
    {
        if (!_challenges.TryRemove(challenge, out var entry)) return "unknown or already used challenge";
        if (entry.Expires < time.GetUtcNow()) return "the challenge expired; ask for a new one";
        return entry.Worker == worker.ToLowerInvariant() ? null : "the challenge was issued to another worker";
    }

    public (string Token, DateTimeOffset ExpiresAt) IssueToken(string worker)
    {
        var now = time.GetUtcNow();
        Purge(_tokens, now);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expires = now.AddMinutes(options.Value.TokenLifetimeMinutes);
        _tokens[Hash(token)] = (worker.ToLowerInvariant(), expires);
        return (token, expires);
    }

    /// <summary>The worker a bearer token belongs to, or null when unknown or expired.</summary>
    public string? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return null;
        if (!_tokens.TryGetValue(Hash(token), out var entry)) return null;
        return entry.Expires >= time.GetUtcNow() ? entry.Worker : null;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    private static void Purge(ConcurrentDictionary<string, (string Worker, DateTimeOffset Expires)> map, DateTimeOffset now)
    {
        foreach (var (key, value) in map)
            if (value.Expires < now) map.TryRemove(key, out _);
    }
}
