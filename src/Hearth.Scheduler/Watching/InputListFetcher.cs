using System.Net;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Watching;

/// <summary>A deal's input list could not be used: the deal is refused with this reason.</summary>
public sealed class InputListRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a deal's input list (<see cref="TaskInputList"/>) from where its pin says, within bounds: only from the pool's
/// storages (<see cref="SchedulerOptions.ResultStorageUrl"/> and <see cref="SchedulerOptions.InputListSources"/>), at most
/// <see cref="SchedulerOptions.MaxInputListBytes"/>, within <see cref="SchedulerOptions.InputListTimeoutSeconds"/>, no
/// redirect; its bytes must hash to the pin and it must give exactly one entry per task. A storage that cannot answer
/// for the moment (connection refused, 5xx, 408, 429) is asked again <see cref="Attempts"/> times in all, a second
/// and then two apart, before the deal is refused: a refusal is for good.
/// </summary>
public sealed class InputListFetcher(IHttpClientFactory http, IOptions<SchedulerOptions> options, TimeProvider time)
{
    public const string ClientName = nameof(InputListFetcher);
    public const int Attempts = 3;

    public async Task<IReadOnlyList<TaskEntry>> FetchAsync(InputListPin pin, long volume, CancellationToken ct)
    {
        var o = options.Value;
        var url = new Uri(pin.Location);
        if (!FromAllowedSource(url, o))
            throw new InputListRefusedException($"its input list is at {url.GetLeftPart(UriPartial.Authority)}, not in this pool's storage ({string.Join(", ", Sources(o))}); store it there");
        var blob = await DownloadWithRetriesAsync(url, o, ct);
        var actual = Hash32.Sha256(blob).ToString();
        if (actual != pin.Sha256)
            throw new InputListRefusedException($"its input list at {url.GetLeftPart(UriPartial.Path)} hashes to {actual}, not to {pin.Sha256} as pinned in the params");
        try
        {
            return TaskInputList.Parse(blob, volume);
        }
        catch (FormatException e)
        {
            throw new InputListRefusedException($"its input list is malformed: {e.Message}", e);
        }
    }

    private async Task<byte[]> DownloadWithRetriesAsync(Uri url, SchedulerOptions o, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DownloadAsync(url, o, ct);
            }
            catch (TransientListFailure) when (attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, ct);
            }
            catch (TransientListFailure e)
            {
                throw new InputListRefusedException($"{e.Message} (after {attempt} attempts)", e);
            }
        }
    }

    /// <summary>A failure that may pass: asked again before the deal is refused.</summary>
    private sealed class TransientListFailure(string message, Exception? inner = null) : Exception(message, inner);

    private async Task<byte[]> DownloadAsync(Uri url, SchedulerOptions o, CancellationToken ct)
    {
        var where = url.GetLeftPart(UriPartial.Path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.InputListTimeoutSeconds));
        try
        {
            using var response = await http.CreateClient(ClientName).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (status is >= 500 or 408 or 429)
                throw new TransientListFailure($"its input list could not be fetched: {where} answered {status}");
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InputListRefusedException($"its input list could not be fetched: {where} answered {status}");
            if (response.Content.Headers.ContentLength > o.MaxInputListBytes)
                throw TooLarge(where, o);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var bytes = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
            {
                if (bytes.Length + read > o.MaxInputListBytes) throw TooLarge(where, o);
                bytes.Write(buffer, 0, read);
            }
            return bytes.ToArray();
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new InputListRefusedException($"its input list could not be fetched from {where} within {SchedulerOptions.SectionName}:InputListTimeoutSeconds ({o.InputListTimeoutSeconds} s)", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            throw new TransientListFailure($"its input list could not be fetched from {where}: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static InputListRefusedException TooLarge(string where, SchedulerOptions o) =>
        new($"its input list at {where} is larger than {SchedulerOptions.SectionName}:MaxInputListBytes ({o.MaxInputListBytes} bytes)");

    private static IEnumerable<string> Sources(SchedulerOptions o) => (o.InputListSources ?? []).Prepend(o.ResultStorageUrl);

    /// <summary>Same scheme, host and port as a configured source, and under its path.</summary>
    private static bool FromAllowedSource(Uri url, SchedulerOptions o) =>
        Sources(o).Any(source => Uri.TryCreate(source, UriKind.Absolute, out var s)
            && s.Scheme == url.Scheme && string.Equals(s.IdnHost, url.IdnHost, StringComparison.OrdinalIgnoreCase) && s.Port == url.Port
            && url.AbsolutePath.StartsWith(s.AbsolutePath, StringComparison.Ordinal));
}
