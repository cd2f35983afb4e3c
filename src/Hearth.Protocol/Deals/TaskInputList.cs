using System.Text.Json;

namespace Hearth.Protocol.Deals;

/// <summary>
/// One file a task finds in /in: fetched from <see cref="Url"/> (http or https), checked against <see cref="Sha256"/>
/// (0x + 64 hex digits), shown as /in/<see cref="Name"/>. <see cref="Size"/>, when given, is the most bytes the worker
/// reads from the URL.
/// </summary>
public sealed record InputFile(string Name, string Url, string Sha256, long? Size)
{
    public const int MaxNameLength = 128;
    public const int MaxUrlLength = 2048;

    /// <summary>Null when the entry may be handed to a worker; otherwise what is wrong with it.</summary>
    public string? Problem()
    {
        if (!IsSafeName(Name)) return $"name '{Clip(Name)}' is not a plain file name (1 to {MaxNameLength} characters, no '/', '\\', control characters or leading '.')";
        if (Url is null || Url.Length > MaxUrlLength || !Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
            return $"url of '{Name}' is not an http(s) URL of at most {MaxUrlLength} characters without user information";
        if (Sha256 is not { Length: 66 } || !Sha256.StartsWith("0x", StringComparison.Ordinal) || !Hash32.TryParse(Sha256, out _))
            return $"sha256 of '{Name}' is not 0x and 64 hex digits";
        if (Size is < 0) return $"size of '{Name}' is negative";
        return null;
    }

    /// <summary>A plain file name: no folders, no dot-names such as "..", no control characters, at most <see cref="MaxNameLength"/> characters.</summary>
    public static bool IsSafeName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= MaxNameLength && name[0] != '.' && name.Trim() == name
        && !name.Any(char.IsControl) && name.IndexOfAny(['/', '\\', '\0']) < 0;

    private static string Clip(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>
/// The input list of a deal: one entry per task (in task order), each a <see cref="TaskEntry"/>: the task's files and,
/// optionally, its own arguments and environment. A blob of JSON <c>{"tasks": [entry, ...]}</c> where an entry is
/// <c>[{"name", "url", "sha256", "size"}, ...]</c> or <c>{"files": [...], "args": [...], "env": {...}}</c>, kept in a
/// storage and pinned in the request's params by its sha256 (<see cref="InputListPin"/>), so the chain carries 32 bytes
/// and a URL however many tasks there are.
/// </summary>
public static class TaskInputList
{
    /// <summary>Most files one task may be given.</summary>
    public const int MaxFilesPerTask = 64;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>A list of files only, each entry in the first form.</summary>
    public static byte[] ToJson(IReadOnlyList<IReadOnlyList<InputFile>> tasks) =>
        JsonSerializer.SerializeToUtf8Bytes(new { tasks }, Web);

    /// <summary>The list's blob, as the CLI stores it: each entry in the object form.</summary>
    public static byte[] ToJson(IReadOnlyList<TaskEntry> tasks) =>
        JsonSerializer.SerializeToUtf8Bytes(new { tasks }, Web);

    /// <summary>One task's entry, as the scheduler keeps it beside the task.</summary>
    public static string TaskToJson(TaskEntry task) => JsonSerializer.Serialize(task, Web);

    /// <summary>An entry kept by <see cref="TaskToJson"/>; a bare list of files (as kept before tasks had parameters) too.</summary>
    public static TaskEntry TaskFromJson(string json) => json.TrimStart().StartsWith('[')
        ? TaskEntry.OfFiles(JsonSerializer.Deserialize<List<InputFile>>(json, Web) ?? [])
        : JsonSerializer.Deserialize<TaskEntry>(json, Web) ?? TaskEntry.OfFiles([]);

    /// <summary>
    /// The entries of a list blob that must hold exactly <paramref name="volume"/> tasks; throws
    /// <see cref="FormatException"/> with what is wrong (the first problem found).
    /// </summary>
    public static IReadOnlyList<TaskEntry> Parse(ReadOnlySpan<byte> blob, long volume)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(blob.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"the input list is not JSON: {e.Message.Split(" Path:")[0]}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tasks", out var tasks) || tasks.ValueKind != JsonValueKind.Array)
                throw new FormatException("the input list is not {\"tasks\": [...]}");
            foreach (var p in root.EnumerateObject())
                if (p.Name != "tasks") throw new FormatException($"the input list has an unknown field '{Clip(p.Name)}'");
            var count = tasks.GetArrayLength();
            if (count != volume) throw new FormatException($"the input list has {count} task entries but the deal has {volume} tasks");
            var result = new List<TaskEntry>(count);
            var index = 0;
            foreach (var task in tasks.EnumerateArray())
            {
                result.Add(task.ValueKind switch
                {
                    JsonValueKind.Array => TaskEntry.OfFiles(ParseFiles(task, index)),
                    JsonValueKind.Object => TaskEntry.ParseObject(task, index, ParseFiles),
                    _ => throw new FormatException($"task {index} of the input list is neither a list of files nor {{\"files\", \"args\", \"env\"}}"),
                });
                index++;
            }
            return result;
        }
    }

    private static List<InputFile> ParseFiles(JsonElement task, int index)
    {
        if (task.ValueKind != JsonValueKind.Array) throw new FormatException($"task {index} of the input list: its files are not a list");
        if (task.GetArrayLength() > MaxFilesPerTask) throw new FormatException($"task {index} of the input list has {task.GetArrayLength()} files (at most {MaxFilesPerTask})");
        var files = new List<InputFile>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in task.EnumerateArray())
        {
            var file = ParseFile(entry, index);
            if (file.Problem() is { } problem) throw new FormatException($"task {index} of the input list: {problem}");
            if (!names.Add(file.Name)) throw new FormatException($"task {index} of the input list names '{file.Name}' twice");
            files.Add(file with { Sha256 = file.Sha256.ToLowerInvariant() });
        }
        return files;
    }

    private static InputFile ParseFile(JsonElement entry, int index)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new FormatException($"task {index} of the input list holds something other than a file entry");
        string? name = null, url = null, sha256 = null;
        long? size = null;
        foreach (var p in entry.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name" when p.Value.ValueKind == JsonValueKind.String: name = p.Value.GetString(); break;
                case "url" when p.Value.ValueKind == JsonValueKind.String: url = p.Value.GetString(); break;
                case "sha256" when p.Value.ValueKind == JsonValueKind.String: sha256 = p.Value.GetString(); break;
                case "size" when p.Value.ValueKind == JsonValueKind.Null: break;
                case "size" when p.Value.TryGetInt64(out var n): size = n; break;
                case "name" or "url" or "sha256" or "size": throw new FormatException($"task {index} of the input list: '{p.Name}' has the wrong type");
                default: throw new FormatException($"task {index} of the input list: unknown field '{Clip(p.Name)}' (a file has name, url, sha256, size)");
            }
        }
        if (name is null || url is null || sha256 is null) throw new FormatException($"task {index} of the input list: a file needs name, url and sha256");
        return new InputFile(name, url, sha256, size);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>
/// Where a deal's input list is and what it hashes to: the request's params JSON holds
/// <c>"inputs": {"sha256": "0x…", "location": "http(s)://…"}</c>. Committed on chain with the params, so the list the
/// workers get is the one the requester signed for.
/// </summary>
public sealed record InputListPin(string Sha256, string Location)
{
    public const string Field = "inputs";

    /// <summary>
    /// The pin in a params string: null when the params name no input list (plain words, or JSON without "inputs");
    /// throws <see cref="FormatException"/> when they name one wrongly.
    /// </summary>
    public static InputListPin? Read(string? parameters)
    {
        if (string.IsNullOrWhiteSpace(parameters) || !parameters.TrimStart().StartsWith('{')) return null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(parameters);
        }
        catch (JsonException)
        {
            return null; // Not JSON: plain words (DealParams reads them so).
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(Field, out var pin)) return null;
            if (pin.ValueKind != JsonValueKind.Object
                || !pin.TryGetProperty("sha256", out var sha) || sha.ValueKind != JsonValueKind.String
                || !pin.TryGetProperty("location", out var location) || location.ValueKind != JsonValueKind.String)
                throw new FormatException("params' \"inputs\" must be {\"sha256\": \"0x…\", \"location\": \"http(s)://…\"}");
            var hash = sha.GetString()!;
            if (hash.Length != 66 || !hash.StartsWith("0x", StringComparison.Ordinal) || !Hash32.TryParse(hash, out _))
                throw new FormatException("params' inputs.sha256 is not 0x and 64 hex digits");
            var url = location.GetString()!;
            if (url.Length > InputFile.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new FormatException("params' inputs.location is not an http(s) URL");
            return new InputListPin(hash.ToLowerInvariant(), url);
        }
    }
}
