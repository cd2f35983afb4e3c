using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Hearth.Network;
using Hearth.Storage;
using Hearth.Storage.Client;
using Hearth.Storage.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// 50 anonymous uploads at once, each exactly at the storage's blob size limit (lowered to 64 MiB for the campaign, 4 MiB
/// when CI is set), of distinct random bytes, to a storage service of the same build as the network's (on its own folder,
/// with that limit). The storage must answer every one (stored, or refused with a 4xx/503, never a 500 nor a cut), keep
/// its memory bounded (the process's working set may not grow by more than a quarter of what was sent, nor above 512 MiB),
/// refuse one byte more than the limit with 413, and store and serve an honest upload during and after the flood.
/// </summary>
internal sealed class UploadFloodAttack : IAttack
{
    private const int Uploads = 50;

    public string Name => "upload-flood";

    private static long Limit => string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) ? 64L << 20 : 4L << 20;

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var limit = Limit;
        var folder = Directory.CreateTempSubdirectory("hearth-attack-storage-").FullName;
        try
        {
            await using var storage = await StorageServer.StartAsync(new StorageOptions { RootPath = folder, MaxBlobBytes = limit },
                b => b.Logging.SetMinimumLevel(LogLevel.Critical), ct);
            using var http = new HttpClient { BaseAddress = storage.BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
            var honestClient = new StorageClient(StorageClient.CreateHttpClient(storage.BaseUrl));

            GC.Collect();
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var baseline = self.WorkingSet64;
            var peak = baseline;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    self.Refresh();
                    peak = Math.Max(peak, self.WorkingSet64);
                    try
                    {
                        await Task.Delay(50, sampling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }, CancellationToken.None);

            var statuses = new ConcurrentDictionary<string, int>();
            var clock = Stopwatch.StartNew();
            var flood = Task.WhenAll(Enumerable.Range(0, Uploads).Select(i => Task.Run(async () =>
            {
                string outcome;
                try
                {
                    using var content = new RandomContent(limit, seed: i + Environment.TickCount);
                    using var r = await http.PostAsync("blobs", content, ct);
                    outcome = ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (HttpRequestException e)
                {
                    outcome = "cut: " + e.Message;
                }
                statuses.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }, ct)));

            // An honest upload in the middle of the flood.
            await Task.Delay(200, ct);
            var during = Stopwatch.StartNew();
            var honestDuring = await TryPutAsync(honestClient, "honest upload during the flood " + Guid.NewGuid(), ct);
            var duringMs = during.ElapsedMilliseconds;
            await flood;
            var floodSeconds = clock.Elapsed.TotalSeconds;
            await sampling.CancelAsync();
            await sampler;

            // One byte over the limit, declared (Expect: 100-continue, so the answer is read): refused before any byte is read.
            HttpStatusCode over;
            using (var content = new RandomContent(limit + 1, seed: 7))
            using (var message = new HttpRequestMessage(HttpMethod.Post, "blobs") { Content = content })
            {
                message.Headers.ExpectContinue = true;
                using var r = await http.SendAsync(message, ct);
                over = r.StatusCode;
            }
            var honestAfter = await TryPutAsync(honestClient, "honest upload after the flood " + Guid.NewGuid(), ct);
            var readBack = honestAfter is { } address && await honestClient.ExistsAsync(address, ct);

            var growthMiB = (peak - baseline) / (1024.0 * 1024);
            var sentMiB = Uploads * limit / (1024.0 * 1024);
            var seen = string.Join(", ", statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}"));
            var bad = statuses.Where(kv => !(kv.Key.StartsWith('2') || kv.Key.StartsWith('4') || kv.Key == "503")).Sum(kv => kv.Value);
            var bounded = growthMiB < Math.Min(512, sentMiB / 4);
            return new AttackOutcome(Name,
                $"{Uploads} anonymous uploads at once of {limit / (1024 * 1024)} MiB each (the storage's limit, lowered for the campaign), {sentMiB:0} MiB in all, each of distinct random bytes; an honest upload during the flood and after; one upload a byte over the limit",
                $"answers {seen} in {floodSeconds:0.0} s; working set {baseline / (1 << 20)} MiB before, peak {peak / (1 << 20)} MiB (+{growthMiB:0} MiB); honest upload during the flood: {(honestDuring is null ? "failed" : $"stored in {duringMs} ms")}; after: {(honestAfter is null ? "failed" : readBack ? "stored and served" : "stored, not found")}; a byte over the limit: {(int)over}",
                bad == 0 && bounded && honestDuring is not null && readBack && over == HttpStatusCode.RequestEntityTooLarge);
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

    private static async Task<BlobAddress?> TryPutAsync(StorageClient client, string text, CancellationToken ct)
    {
        try
        {
            using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
            return await client.PutAsync(content, ct);
        }
        catch (Exception e) when (e is StorageException or HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A body of <c>length</c> pseudo-random bytes, generated while sent (never held whole), with its length declared.</summary>
    private sealed class RandomContent : HttpContent
    {
        private readonly long _length;
        private readonly int _seed;

        public RandomContent(long length, int seed)
        {
            _length = length;
            _seed = seed;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            Headers.ContentLength = length;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var random = new Random(_seed);
            var buffer = new byte[64 * 1024];
            for (var left = _length; left > 0;)
            {
                var n = (int)Math.Min(buffer.Length, left);
                random.NextBytes(buffer.AsSpan(0, n));
                await stream.WriteAsync(buffer.AsMemory(0, n));
                left -= n;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
