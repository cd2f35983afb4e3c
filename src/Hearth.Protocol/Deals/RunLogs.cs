using System.Text;
using System.Text.Json;

namespace Hearth.Protocol.Deals;

/// <summary>
/// The logs of a successful run: the sandbox's console capture (the first bytes of stdout and of stderr, at most
/// <see cref="CaptureBytes"/> each) and whether each was cut. Stored beside the result, at the sha256 of
/// <see cref="ToJson"/>, a canonical JSON <c>{"stdout":"&lt;base64&gt;","stdoutTruncated":false,"stderr":"&lt;base64&gt;","stderrTruncated":false}</c>
/// (fixed order, no spaces, standard base64), and signed by the worker (<see cref="RunLogsSigning"/>). A failed run's
/// logs are inside its certified failure record instead (<see cref="AppFailure"/>).
/// </summary>
public sealed record RunLogs(byte[] Stdout, bool StdoutTruncated, byte[] Stderr, bool StderrTruncated)
{
    /// <summary>Bytes of stdout, and of stderr, a worker captures (and a reader accepts).</summary>
    public const int CaptureBytes = 1 << 20;

    /// <summary>The largest logs blob a reader accepts: both streams at the capture limit, in base64, and the rest.</summary>
    public const int MaxBlobBytes = 2 * ((CaptureBytes + 2) / 3 * 4) + 256;

    /// <summary>The blob's bytes.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBase64String("stdout", Stdout);
            json.WriteBoolean("stdoutTruncated", StdoutTruncated);
            json.WriteBase64String("stderr", Stderr);
            json.WriteBoolean("stderrTruncated", StderrTruncated);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The blob's address: the sha256 of its bytes.</summary>
    public Hash32 Digest() => Hash32.Sha256(ToJson());

    /// <summary>The logs a blob holds, or null when it is not a logs blob (malformed, too large, a stream over the limit).</summary>
    public static RunLogs? Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length > MaxBlobBytes) return null;
        try
        {
            using var doc = JsonDocument.Parse(blob.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var logs = new RunLogs(root.GetProperty("stdout").GetBytesFromBase64(), root.GetProperty("stdoutTruncated").GetBoolean(),
                root.GetProperty("stderr").GetBytesFromBase64(), root.GetProperty("stderrTruncated").GetBoolean());
            return logs.Stdout.Length > CaptureBytes || logs.Stderr.Length > CaptureBytes ? null : logs;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The logs of an unpacked failure record (its captured stdout and stderr), or null when the result is not one.</summary>
    public static RunLogs? OfFailureRecord(string resultFolder)
    {
        if (AppFailure.Read(resultFolder) is not { } failure) return null;
        byte[] Read(string name)
        {
            var path = Path.Combine(resultFolder, AppFailure.Folder, name);
            return File.Exists(path) ? File.ReadAllBytes(path) : [];
        }
        return new RunLogs(Read(AppFailure.StdoutFile), failure.StdoutTruncated, Read(AppFailure.StderrFile), failure.StderrTruncated);
    }

    /// <summary>Stdout as text (UTF-8, invalid bytes replaced).</summary>
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    /// <summary>Stderr as text (UTF-8, invalid bytes replaced).</summary>
    public string StderrText => Encoding.UTF8.GetString(Stderr);
}
