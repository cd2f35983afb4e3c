using System.Text.Json;

namespace Hearth.Scheduler.Api;

/// <summary>
/// A request's params string, as the app receives it: either a JSON object {"args": [...], "env": {...}} or plain words
/// separated by spaces (no quoting). Params come from the requester, so sizes are bounded and the environment cannot set HEARTH_*.
/// </summary>
public static class DealParams
{
    private const int MaxArguments = 256;

    public static (IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment) Parse(string? text)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text)) return ([], env);
        var trimmed = text.Trim();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(trimmed);
                var args = doc.RootElement.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array
                    ? a.EnumerateArray().Take(MaxArguments).Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList()
                    : [];
                if (doc.RootElement.TryGetProperty("env", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var p in e.EnumerateObject().Take(MaxArguments))
                        if (p.Value.ValueKind == JsonValueKind.String && !p.Name.StartsWith("HEARTH_", StringComparison.OrdinalIgnoreCase))
                            env[p.Name] = p.Value.GetString()!;
                }
                return (args, env);
            }
            catch (JsonException)
            {
                // Not JSON after all: the words are the arguments.
            }
        }
        return (trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(MaxArguments).ToList(), env);
    }
}
