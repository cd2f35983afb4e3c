using System.Text;
using System.Text.Json;

namespace Hearth.Protocol.Deals;

/// <summary>
/// What a run that failed by its program's own doing (a non-zero exit, a trap, a limit of the task reached) leaves as
/// its result: a folder <see cref="Folder"/> holding <see cref="StatusFile"/> (this record, as canonical JSON) and the
/// captured <see cref="StdoutFile"/> and <see cref="StderrFile"/>, packed like any result. Replicas of a deterministic
/// program that fail the same way produce the same archive, so the failure is certified and paid like a result: the
/// requester gets it and its logs, and nobody profits from a program that always fails. A successful run can never
/// leave this folder: the sandbox refuses a <c>/out/.hearth</c>. Failures of the infrastructure (a download, an upload,
/// a worker lost, the wall-time limit) are not results: they are retried.
/// </summary>
public sealed record AppFailure(string Kind, int? ExitCode, bool StdoutTruncated, bool StderrTruncated)
{
    /// <summary>The folder, at the top of the result, that only a failure record has.</summary>
    public const string Folder = ".hearth";
    public const string StatusFile = "failure.json";
    public const string StdoutFile = "stdout";
    public const string StderrFile = "stderr";

    /// <summary>The kinds a program's failure can have (the worker's failure kinds of the same names).</summary>
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "non-zero-exit", "trap", "out-of-memory", "out-of-fuel", "output-too-large", "output-rejected", "invalid-module",
    };

    /// <summary>The record as canonical JSON: fixed property order, no spaces, so every replica writes the same bytes.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            if (ExitCode is { } code) json.WriteNumber("exitCode", code);
            else json.WriteNull("exitCode");
            json.WriteBoolean("stdoutTruncated", StdoutTruncated);
            json.WriteBoolean("stderrTruncated", StderrTruncated);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The failure record of an unpacked result, or null when the result is not one (or the record is unreadable).</summary>
    public static AppFailure? Read(string resultFolder)
    {
        var status = Path.Combine(resultFolder, Folder, StatusFile);
        if (!File.Exists(status) || new FileInfo(status).Length > 4_096) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(status));
            var root = doc.RootElement;
            var kind = root.GetProperty("kind").GetString();
            if (kind is null || !Kinds.Contains(kind)) return null;
            int? exit = root.TryGetProperty("exitCode", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt32() : null;
            return new AppFailure(kind, exit, root.TryGetProperty("stdoutTruncated", out var o) && o.GetBoolean(),
                root.TryGetProperty("stderrTruncated", out var r) && r.GetBoolean());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The end of the captured stderr of an unpacked failure record, for a one-line summary.</summary>
    public static string StderrTail(string resultFolder, int maxChars = 300)
    {
        var path = Path.Combine(resultFolder, Folder, StderrFile);
        if (!File.Exists(path)) return "";
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(path)).Trim();
        return text.Length <= maxChars ? text : "..." + text[^maxChars..];
    }

    /// <summary>In words: "non-zero-exit (exit code 1)".</summary>
    public override string ToString() => ExitCode is { } code ? $"{Kind} (exit code {code})" : Kind;
}
