using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Api;

/// <summary>
/// Login challenges and bearer tokens that hold no server memory until used.
/// <para>A challenge is <c>hex(version ‖ issued ms ‖ nonce ‖ HMAC)</c>, the HMAC over those and the worker's address, with
/// a key drawn at random when the process starts: challenges do not outlive it. A login checks the HMAC and the lifetime,
/// then the worker's signature, and only then remembers the nonce until the challenge expires, so a challenge is accepted
/// once. Only logins with a valid signature are remembered, at most <see cref="SchedulerOptions.MaxRememberedChallenges"/>
/// (beyond, logins are refused until some expire): anonymous callers can ask for any number of challenges without
/// filling anything.</para>
/// <para>A token is <c>"hw1." + base64url(worker ‖ issued s ‖ expires s ‖ HMAC)</c>, the HMAC over those and the pool,
/// with a key derived (HKDF-SHA256) from the scheduler's wallet key, the chain, the market and the pool: a restarted
/// scheduler, or another process with the same settings, accepts it; another pool's scheduler does not.</para>
/// </summary>
public sealed class WorkerAuth
{
    public const string TokenPrefix = "hw1.";
    private const byte ChallengeVersion = 1;
    private const int NonceBytes = 16;
    private const int ChallengeMacBytes = 16;
    private const int ChallengeBytes = 1 + 8 + NonceBytes + ChallengeMacBytes;
    private const int TokenBodyBytes = 20 + 8 + 8;
    private const int TokenBytes = TokenBodyBytes + 32;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromSeconds(1);

    private readonly IOptions<SchedulerOptions> _options;
    private readonly TimeProvider _time;
    private readonly byte[] _challengeKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _tokenKey;
    private readonly byte[] _tokenContext;
    private readonly ConcurrentDictionary<UInt128, long> _used = new();
    private int _usedCount;
    private long _nextPurgeMs;

    public WorkerAuth(IOptions<SchedulerOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var o = options.Value;
        var context = string.Create(CultureInfo.InvariantCulture,
            $"chain {o.ChainId}; market {o.Deployment?.Market.ToLowerInvariant()}; workerpool {o.WorkerpoolId}; worker tokens");
        _tokenKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromHexString(o.SchedulerPrivateKey.AsSpan(2)), 32,
            "Hearth scheduler worker authentication"u8.ToArray(), Encoding.UTF8.GetBytes(context));
        _tokenContext = Encoding.UTF8.GetBytes($"Hearth worker token v1; workerpool {o.WorkerpoolId}\n");
    }

    /// <summary>Used challenges held, all unexpired but for up to a second of lateness.</summary>
    public int RememberedChallenges => Volatile.Read(ref _usedCount);

    public (string Challenge, DateTimeOffset ExpiresAt) IssueChallenge(string worker)
    {
        var now = _time.GetUtcNow();
        Span<byte> challenge = stackalloc byte[ChallengeBytes];
        challenge[0] = ChallengeVersion;
        BinaryPrimitives.WriteInt64BigEndian(challenge[1..], now.ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(challenge.Slice(9, NonceBytes));
        ChallengeMac(worker, challenge[..(9 + NonceBytes)], challenge[(9 + NonceBytes)..]);
        return (Convert.ToHexStringLower(challenge), now.AddMilliseconds(ChallengeLifetimeMs));
    }

    /// <summary>A challenge presented at login, checked but not yet used.</summary>
    public readonly record struct CheckedChallenge(UInt128 Nonce, long ExpiresMs);

    /// <summary>Checks that this process issued the challenge to <paramref name="worker"/> and that it has not expired;
    /// consumes nothing (<see cref="Use"/> does, once the signature is checked).</summary>
    public (CheckedChallenge Challenge, string? Refused) CheckChallenge(string challenge, string worker)
    {
        Span<byte> bytes = stackalloc byte[ChallengeBytes];
        if (challenge.Length != ChallengeBytes * 2 || Convert.FromHexString(challenge, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != ChallengeBytes || bytes[0] != ChallengeVersion)
            return (default, "unknown challenge: ask this scheduler for a new one");
        Span<byte> mac = stackalloc byte[ChallengeMacBytes];
        ChallengeMac(worker, bytes[..(9 + NonceBytes)], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[(9 + NonceBytes)..]))
            return (default, "unknown challenge, or one issued to another worker or before the scheduler restarted: ask for a new one");
        var issued = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        var expires = issued + ChallengeLifetimeMs;
        if (expires < NowMs) return (default, "the challenge expired; ask for a new one");
        return (new CheckedChallenge(BinaryPrimitives.ReadUInt128BigEndian(bytes.Slice(9, NonceBytes)), expires), null);
    }

    /// <summary>Uses the challenge: true the first time, false when it was used already or too many used challenges are
    /// unexpired (<paramref name="retryAfterSeconds"/> then says when to ask again).</summary>
    public bool Use(CheckedChallenge challenge, out string? refused, out int? retryAfterSeconds)
    {
        var now = NowMs;
        retryAfterSeconds = null;
        if (now >= Volatile.Read(ref _nextPurgeMs)) Purge(now);
        // A replay is a replay whatever the cache holds: refused as such before the capacity is even counted (concurrent
        // replays would otherwise take the free places and be told to wait).
        if (_used.ContainsKey(challenge.Nonce))
        {
            refused = "the challenge was already used; ask for a new one";
            return false;
        }
        if (Interlocked.Increment(ref _usedCount) > _options.Value.MaxRememberedChallenges)
        {
            Interlocked.Decrement(ref _usedCount);
            refused = $"this scheduler took {_options.Value.MaxRememberedChallenges} logins within a challenge lifetime ({_options.Value.ChallengeLifetimeSeconds} s); log in again shortly";
            retryAfterSeconds = Math.Max(1, _options.Value.ChallengeLifetimeSeconds / 4);
            return false;
        }
        if (!_used.TryAdd(challenge.Nonce, challenge.ExpiresMs))
        {
            Interlocked.Decrement(ref _usedCount);
            refused = "the challenge was already used; ask for a new one";
            return false;
        }
        refused = null;
        return true;
    }

    public (string Token, DateTimeOffset ExpiresAt) IssueToken(string worker)
    {
        var now = _time.GetUtcNow();
        var expires = now.AddMinutes(_options.Value.TokenLifetimeMinutes);
        Span<byte> token = stackalloc byte[TokenBytes];
        if (!TryAddressBytes(worker, token[..20])) throw new ArgumentException($"not an address: {worker}", nameof(worker));
        BinaryPrimitives.WriteInt64BigEndian(token[20..], now.ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt64BigEndian(token[28..], expires.ToUnixTimeSeconds());
        TokenMac(token[..TokenBodyBytes], token[TokenBodyBytes..]);
        return (TokenPrefix + Base64UrlEncode(token), DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>The worker a bearer token belongs to (lowercase address), or null when forged, another pool's or expired.
    /// A token also ends when its issue time plus the current <see cref="SchedulerOptions.TokenLifetimeMinutes"/> is past,
    /// so shortening the lifetime applies to tokens already issued.</summary>
    public string? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200 || !token.StartsWith(TokenPrefix, StringComparison.Ordinal)) return null;
        Span<byte> bytes = stackalloc byte[TokenBytes + 3];
        if (!TryBase64UrlDecode(token.AsSpan(TokenPrefix.Length), bytes, out var written) || written != TokenBytes) return null;
        Span<byte> mac = stackalloc byte[32];
        TokenMac(bytes[..TokenBodyBytes], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.Slice(TokenBodyBytes, 32))) return null;
        var issued = BinaryPrimitives.ReadInt64BigEndian(bytes[20..]);
        var expires = Math.Min(BinaryPrimitives.ReadInt64BigEndian(bytes[28..]), issued + _options.Value.TokenLifetimeMinutes * 60L);
        return expires >= _time.GetUtcNow().ToUnixTimeSeconds() ? "0x" + Convert.ToHexStringLower(bytes[..20]) : null;
    }

    private long ChallengeLifetimeMs => _options.Value.ChallengeLifetimeSeconds * 1_000L;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Forgets the used challenges that expired; at most once a second, so a full cache costs one scan a second.</summary>
    private void Purge(long now)
    {
        Volatile.Write(ref _nextPurgeMs, now + (long)PurgeInterval.TotalMilliseconds);
        foreach (var (nonce, expires) in _used)
            if (expires < now && _used.TryRemove(new KeyValuePair<UInt128, long>(nonce, expires)))
                Interlocked.Decrement(ref _usedCount);
    }

    private void ChallengeMac(string worker, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[body.Length + 20];
        body.CopyTo(input);
        // The address was checked by the caller; an unreadable one yields a MAC no challenge carries.
        if (!TryAddressBytes(worker, input[body.Length..])) input[body.Length..].Fill(0xff);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_challengeKey, input, full);
        full[..mac.Length].CopyTo(mac);
    }

    private void TokenMac(ReadOnlySpan<byte> body, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[_tokenContext.Length + body.Length];
        _tokenContext.CopyTo(input);
        body.CopyTo(input[_tokenContext.Length..]);
        HMACSHA256.HashData(_tokenKey, input, mac);
    }

    private static bool TryAddressBytes(string address, Span<byte> into) =>
        address is { Length: 42 } && address.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        && Convert.FromHexString(address.AsSpan(2), into, out _, out var written) == System.Buffers.OperationStatus.Done && written == 20;

    private static string Base64UrlEncode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static bool TryBase64UrlDecode(ReadOnlySpan<char> text, Span<byte> into, out int written)
    {
        written = 0;
        return text.Length <= 4 * (into.Length / 3) && System.Buffers.Text.Base64Url.IsValid(text)
            && System.Buffers.Text.Base64Url.TryDecodeFromChars(text, into, out written);
    }
}
