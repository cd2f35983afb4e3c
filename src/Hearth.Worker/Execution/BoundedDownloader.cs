using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Hearth.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Execution;

/// <summary>The most bytes one download may bring, and the setting that says so (named in the failure).</summary>
public readonly record struct DownloadLimit(long MaxBytes, string Setting);

/// <summary>
/// One attempt at downloading a blob into a file, within bounds: a size cap (a declared Content-Length over it is refused
/// before the body is read; a body that passes it is cut off at once), an idle timeout (no byte for that long), and the
/// caller's cancellation (the total timeout, the last waiter leaving). Connections go only to addresses the
/// <see cref="DownloadAddressPolicy"/> checked. An error answer's body is read at most <see cref="ErrorBodyBytes"/>
/// bytes, for the log only.
/// </summary>
internal sealed class BoundedDownloader : IDisposable
{
    /// <summary>The most of an error answer's body that is read (for the worker's log).</summary>
    public const int ErrorBodyBytes = 4096;

    private const int BufferBytes = 81920;
    private const int LoggedBodyChars = 200;
    private const string IdleSetting = WorkerOptions.SectionName + ":" + nameof(WorkerOptions.DownloadIdleTimeout);

    private readonly HttpClient _http;
    private readonly TimeSpan _idleTimeout;
    private readonly ILogger _logger;

    public BoundedDownloader(DownloadAddressPolicy policy, TimeSpan idleTimeout, ILogger logger)
    {
        _idleTimeout = idleTimeout;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Every connection is to an address the policy has just checked.
            ConnectCallback = policy.ConnectAsync,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // A proxy would resolve the host itself, out of the policy's sight; a redirect is not what a storage answers.
            UseProxy = false,
            AllowAutoRedirect = false,
            // An unread body is never drained: the connection is closed instead.
            MaxResponseDrainSize = 0,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// Downloads <paramref name="url"/> into a new file at <paramref name="path"/> and returns the sha256 of its bytes.
    /// Throws <see cref="DownloadException"/>; the caller deletes the file when anything is thrown.
    /// </summary>
    public async Task<BlobAddress> DownloadAsync(Uri url, string path, DownloadLimit limit, CancellationToken ct)
    {
        var authority = url.Authority;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(_idleTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token);
        }
        catch (OperationCanceledException e) when (idle.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new DownloadException($"{authority} gave no answer within {Seconds(_idleTimeout)} ({IdleSetting})", DownloadFailure.Transient, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(authority, e);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
                throw await ErrorAnswerAsync(response, authority, idle, ct);
            if (response.Content.Headers.ContentLength is { } declared && declared > limit.MaxBytes)
            {
                throw new DownloadException($"{authority} declared {declared} bytes, more than {limit.Setting} ({limit.MaxBytes} bytes)",
                    DownloadFailure.Permanent);
            }
            return await CopyBodyAsync(response, path, limit, authority, idle, ct);
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<BlobAddress> CopyBodyAsync(HttpResponseMessage response, string path, DownloadLimit limit, string authority,
        CancellationTokenSource idle, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long total = 0;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using var body = await response.Content.ReadAsStreamAsync(idle.Token);
            while (true)
            {
                // Each read gets the whole idle time again: a server that sends nothing for that long is given up.
                idle.CancelAfter(_idleTimeout);
                var read = await body.ReadAsync(buffer.AsMemory(0, BufferBytes), idle.Token);
                if (read == 0)
                    break;
                total += read;
                if (total > limit.MaxBytes)
                {
                    throw new DownloadException($"{authority} sent more than {limit.Setting} ({limit.MaxBytes} bytes); the download was stopped and discarded",
                        DownloadFailure.Permanent);
                }
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            await file.FlushAsync(ct);
            return BlobAddress.FromHash(hash.GetHashAndReset());
        }
        catch (OperationCanceledException e) when (idle.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new DownloadException($"{authority} sent nothing for {Seconds(_idleTimeout)} ({IdleSetting}) after {total} bytes",
                DownloadFailure.Transient, inner: e);
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException or IOException { InnerException: SocketException } && !ct.IsCancellationRequested)
        {
            throw new DownloadException($"{authority} broke off the download after {total} bytes", DownloadFailure.Transient, e.Message, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The failure for an answer other than 200: its status and the host, never its body (read a little, for the log).</summary>
    private async Task<DownloadException> ErrorAnswerAsync(HttpResponseMessage response, string authority, CancellationTokenSource idle, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var start = await BodyStartAsync(response, idle, ct);
        WorkerLog.DownloadErrorAnswer(_logger, authority, status, start);
        var phrase = ReasonPhrases.GetReasonPhrase(status);
        var message = $"{authority} answered {status}{(phrase.Length > 0 ? $" ({phrase})" : "")}";
        var failure = response.StatusCode switch
        {
            HttpStatusCode.NotFound => DownloadFailure.NotFound,
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => DownloadFailure.Transient,
            _ when status >= 500 => DownloadFailure.Transient,
            _ => DownloadFailure.Permanent,
        };
        return new DownloadException(message, failure, start.Length > 0 ? $"body starts: {start}" : null);
    }

    /// <summary>At most <see cref="ErrorBodyBytes"/> of the body, as printable text cut to a line of the log.</summary>
    private async Task<string> BodyStartAsync(HttpResponseMessage response, CancellationTokenSource idle, CancellationToken ct)
    {
        var buffer = new byte[ErrorBodyBytes];
        var total = 0;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(idle.Token);
            while (total < buffer.Length)
            {
                idle.CancelAfter(_idleTimeout);
                var read = await body.ReadAsync(buffer.AsMemory(total), idle.Token);
                if (read == 0)
                    break;
                total += read;
            }
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // What came before the fault is enough for the log.
        }
        var text = Encoding.UTF8.GetString(buffer, 0, total);
        var printable = new StringBuilder(Math.Min(text.Length, LoggedBodyChars + 1));
        foreach (var c in text)
        {
            if (printable.Length > LoggedBodyChars)
                break;
            printable.Append(char.IsControl(c) ? ' ' : c);
        }
        var line = printable.ToString().Trim();
        return line.Length > LoggedBodyChars ? line[..LoggedBodyChars] + "…" : line;
    }

    private static DownloadException Unreachable(string authority, HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is DownloadRefusedException refused)
                return new DownloadException(refused.Message, DownloadFailure.Permanent, inner: e);
        }
        // The exception's own message may quote what the server sent (an invalid status line): only its category goes out.
        var why = e.InnerException is SocketException socket
            ? socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host name not found",
                SocketError.TimedOut => "connection timed out",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to the host",
                var code => $"connection failed ({code})",
            }
            : e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "host name not found",
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "invalid HTTP answer",
                HttpRequestError.ResponseEnded => "the answer ended early",
                HttpRequestError.ConfigurationLimitExceeded => "the answer's headers are too large",
                _ => "request failed",
            };
        return new DownloadException($"{authority} is unreachable: {why}", DownloadFailure.Transient, e.Message, e);
    }

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
