using System.Text;
using System.Text.Json;

namespace Hearth.Protocol.Deals;

/// <summary>
/// What one task of a deal gets of its own, from the deal's input list: files under /in, arguments after the deal's,
/// and environment variables over the deal's. In the list a task's entry is either the list of its files (the first form)
/// or <c>{"files": [...], "args": [...], "env": {...}}</c>, every field optional. The entry comes from the requester:
/// sizes are bounded and the environment cannot set HEARTH_* (the scheduler's).
/// </summary>
public sealed record TaskEntry(IReadOnlyList<InputFile> Files, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env)
{
    /// <summary>Most arguments one task may add to the deal's.</summary>
    public const int MaxArgs = 256;
    /// <summary>Most environment variables one task may set.</summary>
    public const int MaxEnv = 64;
    /// <summary>Longest argument, variable name or value, UTF-8 bytes.</summary>
    public const int MaxStringBytes = 4096;
    /// <summary>The prefix of the variables the scheduler sets; a task's entry may not set them.</summary>
    public const string ReservedPrefix = "HEARTH_";

    /// <summary>An entry of files only, as the first form of the list gives.</summary>
    public static TaskEntry OfFiles(IReadOnlyList<InputFile> files) => new(files, [], new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>Null when the arguments and environment are within bounds; otherwise what is wrong with them.</summary>
    public string? Problem()
    {
        if (Files.Count > TaskInputList.MaxFilesPerTask) return $"has {Files.Count} files (at most {TaskInputList.MaxFilesPerTask})";
        if (Args.Count > MaxArgs) return $"has {Args.Count} args (at most {MaxArgs})";
        if (Env.Count > MaxEnv) return $"has {Env.Count} env entries (at most {MaxEnv})";
        for (var i = 0; i < Args.Count; i++)
            if (TooLong(Args[i])) return $"args[{i}] is longer than {MaxStringBytes} bytes";
        foreach (var (name, value) in Env)
        {
            if (name.Length == 0 || TooLong(name) || name.Contains('=') || name.Any(char.IsControl))
                return $"env name '{Clip(name)}' is not a variable name (1 to {MaxStringBytes} bytes, no '=' or control characters)";
            if (name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase)) return $"env may not set {Clip(name)}: the {ReservedPrefix} variables are the scheduler's";
            if (TooLong(value)) return $"env {Clip(name)} is longer than {MaxStringBytes} bytes";
        }
        return null;
    }

    /// <summary>Reads the object form; throws <see cref="FormatException"/> naming the task and the field.</summary>
    internal static TaskEntry ParseObject(JsonElement entry, int index, Func<JsonElement, int, List<InputFile>> parseFiles)
    {
        IReadOnlyList<InputFile> files = [];
        var args = new List<string>();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in entry.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Wrong(index, $"'{Clip(p.Name)}' appears twice");
            switch (p.Name)
            {
                case "files":
                    files = parseFiles(p.Value, index);
                    break;
                case "args" when p.Value.ValueKind == JsonValueKind.Array:
                    if (p.Value.GetArrayLength() > MaxArgs) throw Wrong(index, $"has {p.Value.GetArrayLength()} args (at most {MaxArgs})");
                    foreach (var a in p.Value.EnumerateArray())
                        args.Add(a.ValueKind == JsonValueKind.String ? a.GetString()! : throw Wrong(index, $"args[{args.Count}] is not a string"));
                    break;
                case "env" when p.Value.ValueKind == JsonValueKind.Object:
                    foreach (var v in p.Value.EnumerateObject())
                    {
                        if (env.Count == MaxEnv) throw Wrong(index, $"has more than {MaxEnv} env entries");
                        if (v.Value.ValueKind != JsonValueKind.String) throw Wrong(index, $"env {Clip(v.Name)} is not a string");
                        if (!env.TryAdd(v.Name, v.Value.GetString()!)) throw Wrong(index, $"env names {Clip(v.Name)} twice");
                    }
                    break;
                case "args": throw Wrong(index, "'args' is not a list of strings");
                case "env": throw Wrong(index, "'env' is not an object of strings");
                default: throw Wrong(index, $"unknown field '{Clip(p.Name)}' (a task has files, args, env)");
            }
        }
        var task = new TaskEntry(files, args, env);
        if (task.Problem() is { } problem) throw Wrong(index, problem);
        return task;
    }

    private static FormatException Wrong(int index, string what) => new($"task {index} of the input list: {what}");

    private static bool TooLong(string text) => text.Length > MaxStringBytes || Encoding.UTF8.GetByteCount(text) > MaxStringBytes;

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
