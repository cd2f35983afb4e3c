using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Storage.Client;

namespace Hearth.Cli.Commands;

/// <summary>Where a run's per-task entries come from: a folder (one file per task, in ordinal name order) or the entries
/// themselves (a job file's <c>inputs</c>, one file per task, or its <c>tasks</c>, with their own args and env).
/// <paramref name="What"/> names them in messages ("inputs", "task entries").</summary>
public sealed record TaskInputsSource(string? Folder, IReadOnlyList<TaskEntry>? Tasks, string What = "inputs")
{
    public int Count => Tasks?.Count ?? 0;
}

/// <summary>
/// `hearth run --inputs &lt;folder&gt;` and a job file's <c>inputs</c> or <c>tasks</c>: uploads each file of the folder to
/// the storage, builds the deal's input list (<see cref="TaskInputList"/>, one entry per task), checks it as the
/// scheduler will, uploads it, and pins it in the params (<see cref="InputListPin"/>): the volume is the number of entries.
/// </summary>
public static class TaskInputsUpload
{
    /// <summary>The params with the input list pinned, and the volume it gives.</summary>
    public static async Task<(string Params, int Volume)> PrepareAsync(StorageClient storage, TaskInputsSource source, string parameters, CancellationToken ct)
    {
        var baseUrl = storage.BaseUrl.ToString().TrimEnd('/');
        IReadOnlyList<TaskEntry> tasks = source.Folder is { } folder
            ? [.. (await UploadFolderAsync(storage, baseUrl, folder, ct)).Select(f => TaskEntry.OfFiles([f]))]
            : source.Tasks ?? [];
        if (tasks.Count is < 1 or > 100_000) throw new CliException($"the {source.What} give {tasks.Count} tasks: between 1 and 100000, one per task");
        var list = TaskInputList.ToJson(tasks);
        try
        {
            TaskInputList.Parse(list, tasks.Count); // what the scheduler would refuse is refused before anything is paid
        }
        catch (FormatException e)
        {
            throw new CliException($"the {source.What} would be refused: {e.Message}");
        }
        var address = await storage.PutAsync(new MemoryStream(list), ct);
        var pin = new InputListPin(Hash32.Sha256(list).ToString(), $"{baseUrl}/blobs/{address.Hex}");
        return (WithPin(parameters, pin), tasks.Count);
    }

    private static async Task<List<InputFile>> UploadFolderAsync(StorageClient storage, string baseUrl, string folder, CancellationToken ct)
    {
        if (!Directory.Exists(folder)) throw new CliException($"--inputs {folder} is not a folder");
        var paths = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0) throw new CliException($"--inputs {folder} holds no file: one file per task");
        var files = new List<InputFile>(paths.Count);
        foreach (var path in paths)
        {
            var name = Path.GetFileName(path);
            if (!InputFile.IsSafeName(name)) throw new CliException($"--inputs: '{name}' is not a name a task can see under /in (no leading '.', no control characters, at most {InputFile.MaxNameLength} characters)");
            var address = await storage.PutFileAsync(path, ct);
            files.Add(new InputFile(name, $"{baseUrl}/blobs/{address.Hex}", "0x" + address.Hex, new FileInfo(path).Length));
        }
        return files;
    }

    /// <summary>The params as JSON with "inputs" set: plain words become the JSON form's args.</summary>
    private static string WithPin(string parameters, InputListPin pin)
    {
        JsonObject json;
        var trimmed = parameters.Trim();
        try
        {
            json = trimmed.StartsWith('{') ? JsonNode.Parse(trimmed) as JsonObject ?? [] : Words(trimmed);
        }
        catch (JsonException)
        {
            json = Words(trimmed);
        }
        if (json.ContainsKey(InputListPin.Field)) throw new CliException("the params already pin an input list (\"inputs\"): give --inputs or that, not both");
        json[InputListPin.Field] = new JsonObject { ["sha256"] = pin.Sha256, ["location"] = pin.Location };
        return json.ToJsonString();
    }

    private static JsonObject Words(string text) =>
        text.Length == 0 ? [] : new JsonObject { ["args"] = new JsonArray([.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => (JsonNode?)JsonValue.Create(w))]) };
}
