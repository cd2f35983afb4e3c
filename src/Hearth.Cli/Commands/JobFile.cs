using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Hearth.Cli.Commands;

/// <summary>
/// A job file for `hearth run -f job.yaml` (or `.json`): the run's app, dataset, params, volume, trust, category, maximum
/// price, resources and output folder, under the names of `hearth run`'s options, and per task its own inputs or its own
/// args, env and inputs (<c>tasks</c>). The file is read strictly: unknown fields, wrong
/// types, absurd values, files over 1 MiB and YAML anchors or aliases are refused with one line that names the problem.
/// Options given on the command line override the file's values.
/// </summary>
public sealed partial record JobFile
{
    public const long MaxBytes = 1024 * 1024;
    private const int MaxDepth = 6; // tasks → entry → inputs → file → value
    public const int MaxTasks = 100_000;

    /// <summary>The fields a job file may hold, in the order they are documented.</summary>
    public static readonly string[] Fields = ["app", "dataset", "workerpool", "params", "volume", "trust", "category", "max-price", "out", "callback", "memory", "output-size", "scratch", "inputs", "tasks"];

    public string? App { get; init; }
    public string? Dataset { get; init; }
    public string? Workerpool { get; init; }
    /// <summary>The params string every task gets (words, or JSON {"args": [...], "env": {...}}).</summary>
    public string? Params { get; init; }
    public int? Volume { get; init; }
    public uint? Trust { get; init; }
    public long? Category { get; init; }
    public decimal? MaxPrice { get; init; }
    /// <summary>The output folder, made absolute against the job file's folder.</summary>
    public string? Out { get; init; }
    public string? Callback { get; init; }
    /// <summary>Per-task inputs: a folder (made absolute against the job file's folder) or a list of {url, sha256, name, size}, one per task.</summary>
    public TaskInputsSource? Inputs { get; init; }
    /// <summary>Per-task entries: each task's own args (after the params'), env (over the params') and inputs; the volume is their number.</summary>
    public TaskInputsSource? Tasks { get; init; }

    /// <summary>Memory, output size and scratch space each task needs, bytes (written "1GiB", "512MiB"...).</summary>
    public long? Memory { get; init; }
    public long? OutputSize { get; init; }
    public long? Scratch { get; init; }

    /// <summary>True when <paramref name="option"/> was written on the command line (not its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Reads and checks a job file; every problem is a <see cref="CliException"/> of one line.</summary>
    public static JobFile Load(string path)
    {
        var name = path;
        FileInfo file;
        try
        {
            file = new FileInfo(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException($"job file {name}: not a usable path");
        }
        if (Directory.Exists(file.FullName)) throw new CliException($"job file {name} is a folder, not a file");
        if (!file.Exists) throw new CliException($"job file {name} does not exist");
        if (file.Length > MaxBytes) throw new CliException($"job file {name} is {file.Length} bytes: a job file is at most {MaxBytes} bytes (1 MiB)");
        string text;
        try
        {
            text = File.ReadAllText(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"job file {name} cannot be read: {OneLine(e.Message)}");
        }
        var json = file.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase);
        var root = json ? ParseJson(name, text) : ParseYaml(name, text);
        return FromNode(name, root, file.DirectoryName ?? Directory.GetCurrentDirectory());
    }

    // ------------------------------------------------------------ one tree for both formats

    /// <summary>A scalar's text; <paramref name="Typed"/> is true for a YAML plain scalar or a JSON number, boolean or null
    /// (a value that may be read as a number), false for a quoted string.</summary>
    private sealed record Scalar(string Text, bool Typed, bool IsNull);
    private sealed record Sequence(List<object> Items);
    private sealed record Mapping(List<KeyValuePair<string, object>> Entries);

    private static object ParseJson(string name, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth + 1, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return FromJson(name, doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new CliException($"job file {name}: not valid JSON{(e.LineNumber is { } l ? $" at line {l + 1}" : "")}: {OneLine(e.Message.Split(" Path:")[0].Split(" LineNumber:")[0])}");
        }
    }

    private static object FromJson(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new Mapping(e.EnumerateObject().Select(p => new KeyValuePair<string, object>(p.Name, FromJson(name, p.Value))).ToList()),
        JsonValueKind.Array => new Sequence(e.EnumerateArray().Select(x => FromJson(name, x)).ToList()),
        JsonValueKind.String => new Scalar(e.GetString()!, false, false),
        JsonValueKind.Null => new Scalar("null", true, true),
        _ => new Scalar(e.GetRawText(), true, false),
    };

    private static object ParseYaml(string name, string text)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) throw new CliException($"job file {name} is empty");
            parser.Consume<DocumentStart>();
            var root = ReadYaml(name, parser, 1);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _)) throw new CliException($"job file {name} holds more than one YAML document");
            return root;
        }
        catch (YamlException e)
        {
            throw new CliException($"job file {name}: not valid YAML at line {e.Start.Line}: {OneLine(e.Message.Split(") - (")[^1].Split("): ", 2)[^1])}");
        }
    }

    /// <summary>One node. Anchors and aliases are refused outright: a job file has no use for them, and aliases of
    /// aliases expand exponentially (the "billion laughs").</summary>
    private static object ReadYaml(string name, IParser parser, int depth)
    {
        if (depth > MaxDepth) throw new CliException($"job file {name}: nested too deep (line {parser.Current?.Start.Line})");
        var current = parser.Current;
        if (current is AnchorAlias alias)
            throw new CliException($"job file {name}: YAML aliases are not accepted (*{alias.Value} at line {alias.Start.Line})");
        if (current is NodeEvent { Anchor.IsEmpty: false } anchored)
            throw new CliException($"job file {name}: YAML anchors are not accepted (&{anchored.Anchor} at line {anchored.Start.Line})");
        switch (current)
        {
            case YamlDotNet.Core.Events.Scalar s:
                parser.MoveNext();
                var plain = s.Style == ScalarStyle.Plain;
                var isNull = plain && s.Value is "" or "~" or "null" or "Null" or "NULL";
                return new Scalar(s.Value, plain, isNull);
            case SequenceStart:
                parser.MoveNext();
                var items = new List<object>();
                while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadYaml(name, parser, depth + 1));
                return new Sequence(items);
            case MappingStart:
                parser.MoveNext();
                var entries = new List<KeyValuePair<string, object>>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    if (ReadYaml(name, parser, depth + 1) is not Scalar key)
                        throw new CliException($"job file {name}: a field's name must be a plain word (line {parser.Current?.Start.Line})");
                    entries.Add(new(key.Text, ReadYaml(name, parser, depth + 1)));
                }
                return new Mapping(entries);
            default:
                throw new CliException($"job file {name}: unexpected YAML at line {current?.Start.Line}");
        }
    }

    // ------------------------------------------------------------ checking the fields

    private static JobFile FromNode(string name, object root, string folder)
    {
        if (root is not Mapping map) throw new CliException($"job file {name}: expected fields (name: value), found {Kind(root)}");
        var job = new JobFile();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            if (!seen.Add(key)) throw new CliException($"job file {name}: field '{Short(key)}' appears twice");
            job = key switch
            {
                "app" => job with { App = Id(name, key, value) },
                "dataset" => job with { Dataset = Id(name, key, value) },
                "workerpool" => job with { Workerpool = Id(name, key, value) },
                "params" => job with { Params = ParamsOf(name, value) },
                "volume" => job with { Volume = (int)Whole(name, key, value, 1, 100_000) },
                "trust" => job with { Trust = (uint)Whole(name, key, value, 1, 10_000) },
                "category" => job with { Category = Whole(name, key, value, 0, long.MaxValue) },
                "max-price" => job with { MaxPrice = Price(name, key, value) },
                "out" => job with { Out = Path.GetFullPath(Text(name, key, value, allowEmpty: false), folder) },
                "callback" => job with { Callback = Text(name, key, value, allowEmpty: false) },
                "memory" => job with { Memory = Size(name, key, value) },
                "output-size" => job with { OutputSize = Size(name, key, value) },
                "scratch" => job with { Scratch = Size(name, key, value) },
                "inputs" => job with { Inputs = InputsOf(name, value, folder) },
                "tasks" => job with { Tasks = TasksOf(name, value) },
                _ => throw new CliException($"job file {name}: unknown field '{Short(key)}'; the known fields are {string.Join(", ", Fields)}"),
            };
        }
        if (job.Inputs is not null && job.Tasks is not null)
            throw new CliException($"job file {name}: 'inputs' and 'tasks' both give the tasks: put each task's inputs in its 'tasks' entry");
        return job;
    }

    private static string Text(string name, string key, object value, bool allowEmpty)
    {
        if (value is not Scalar s || s.IsNull) throw new CliException($"job file {name}: '{key}' must be a single value, not {Kind(value)}");
        if (!allowEmpty && s.Text.Length == 0) throw new CliException($"job file {name}: '{key}' is empty");
        if (s.Text.Length > 4096) throw new CliException($"job file {name}: '{key}' is {s.Text.Length} characters long (at most 4096)");
        return s.Text;
    }

    /// <summary>An asset id: a whole number, written bare or quoted (parsed later, with the option's own rules).</summary>
    private static string Id(string name, string key, object value) => Text(name, key, value, allowEmpty: false);

    private static long Whole(string name, string key, object value, long min, long max)
    {
        if (value is not Scalar { Typed: true, IsNull: false } s || !long.TryParse(s.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            throw new CliException($"job file {name}: '{key}' must be a whole number, not {Describe(value)}");
        if (n < min || n > max)
            throw new CliException($"job file {name}: '{key}' must be between {min} and {(max == long.MaxValue ? "any" : max.ToString(CultureInfo.InvariantCulture))} (got {n})");
        return n;
    }

    /// <summary>A size such as 1GiB or 512MiB (<see cref="Hearth.Protocol.Orders.ResourceTag.ParseBytes"/>).</summary>
    private static long Size(string name, string key, object value)
    {
        try
        {
            return Hearth.Protocol.Orders.ResourceTag.ParseBytes(Text(name, key, value, allowEmpty: false));
        }
        catch (FormatException e)
        {
            throw new CliException($"job file {name}: '{key}': {e.Message}");
        }
    }

    private static decimal Price(string name, string key, object value)
    {
        if (value is not Scalar { Typed: true, IsNull: false } s
            || !decimal.TryParse(s.Text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p))
            throw new CliException($"job file {name}: '{key}' must be a number of HRTH, not {Describe(value)}");
        if (p < 0) throw new CliException($"job file {name}: '{key}' must not be negative (got {s.Text})");
        if (p > 1_000_000_000m) throw new CliException($"job file {name}: '{key}' of {s.Text} HRTH per task is beyond any sensible price");
        return p;
    }

    /// <summary>params: a string (words, or JSON), a list of arguments, or {args: [...], env: {NAME: value}}; lists and
    /// mappings become the JSON form, so that an argument may hold spaces.</summary>
    private static string ParamsOf(string name, object value)
    {
        switch (value)
        {
            case Scalar:
                return Text(name, "params", value, allowEmpty: true);
            case Sequence seq:
                return new JsonObject { ["args"] = Arguments(name, seq) }.ToJsonString();
            case Mapping map:
                var json = new JsonObject();
                foreach (var (key, v) in map.Entries)
                {
                    if (json.ContainsKey(key)) throw new CliException($"job file {name}: field 'params.{Short(key)}' appears twice");
                    json[key] = key switch
                    {
                        "args" => v is Sequence s ? Arguments(name, s) : throw new CliException($"job file {name}: 'params.args' must be a list, not {Kind(v)}"),
                        "env" => v is Mapping m ? Environment(name, m) : throw new CliException($"job file {name}: 'params.env' must be name: value pairs, not {Kind(v)}"),
                        _ => throw new CliException($"job file {name}: unknown field 'params.{Short(key)}'; params holds args and env"),
                    };
                }
                return json.ToJsonString();
            default:
                throw new CliException($"job file {name}: 'params' must be text, a list or {{args, env}}");
        }
    }

    private static JsonArray Arguments(string name, Sequence seq)
    {
        if (seq.Items.Count > 256) throw new CliException($"job file {name}: 'params' has {seq.Items.Count} arguments (at most 256)");
        return new JsonArray(seq.Items.Select(i => (JsonNode?)JsonValue.Create(Text(name, "params.args", i, allowEmpty: true))).ToArray());
    }

    private static JsonObject Environment(string name, Mapping map)
    {
        var env = new JsonObject();
        foreach (var (key, v) in map.Entries)
        {
            if (key.StartsWith("HEARTH_", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"job file {name}: 'params.env.{Short(key)}': the HEARTH_ variables are set by the worker, not by the request");
            if (env.ContainsKey(key)) throw new CliException($"job file {name}: 'params.env.{Short(key)}' appears twice");
            env[key] = Text(name, $"params.env.{Short(key)}", v, allowEmpty: true);
        }
        return env;
    }

    /// <summary>inputs: a folder, or a list of {url, sha256, name, size} (one per task; name defaults to the URL's last
    /// segment, size to none).</summary>
    private static TaskInputsSource InputsOf(string name, object value, string folder)
    {
        if (value is Scalar) return new TaskInputsSource(Path.GetFullPath(Text(name, "inputs", value, allowEmpty: false), folder), null);
        if (value is not Sequence { Items.Count: > 0 } seq) throw new CliException($"job file {name}: 'inputs' must be a folder or a list of {{url, sha256}}, not {Kind(value)}");
        if (seq.Items.Count > MaxTasks) throw new CliException($"job file {name}: 'inputs' has {seq.Items.Count} entries (at most {MaxTasks}, one per task)");
        var files = new List<Protocol.Deals.TaskEntry>();
        foreach (var item in seq.Items) files.Add(Protocol.Deals.TaskEntry.OfFiles([InputOf(name, $"inputs[{files.Count}]", item)]));
        return new TaskInputsSource(null, files);
    }

    /// <summary>One input file: {url, sha256, name, size}; name defaults to the URL's last segment, size to none.</summary>
    private static Protocol.Deals.InputFile InputOf(string name, string at, object item)
    {
        if (item is not Mapping map) throw new CliException($"job file {name}: '{at}' must be {{url, sha256}}, not {Kind(item)}");
        var fields = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, v) in map.Entries)
        {
            if (key is not ("url" or "sha256" or "name" or "size")) throw new CliException($"job file {name}: unknown field '{at}.{Short(key)}'; an input has url, sha256, name and size");
            if (!fields.TryAdd(key, v)) throw new CliException($"job file {name}: field '{at}.{key}' appears twice");
        }
        if (!fields.TryGetValue("url", out var url) || !fields.TryGetValue("sha256", out var sha)) throw new CliException($"job file {name}: '{at}' needs url and sha256");
        var urlText = Text(name, $"{at}.url", url, allowEmpty: false);
        var shaText = Text(name, $"{at}.sha256", sha, allowEmpty: false).ToLowerInvariant();
        var file = new Protocol.Deals.InputFile(
            fields.TryGetValue("name", out var n) ? Text(name, $"{at}.name", n, allowEmpty: false) : Uri.TryCreate(urlText, UriKind.Absolute, out var u) ? Uri.UnescapeDataString(u.Segments[^1]) : "",
            urlText, shaText.StartsWith("0x", StringComparison.Ordinal) ? shaText : "0x" + shaText,
            fields.TryGetValue("size", out var size) ? Whole(name, $"{at}.size", size, 0, long.MaxValue) : null);
        if (file.Problem() is { } problem) throw new CliException($"job file {name}: '{at}': {problem}");
        return file;
    }

    private static string Kind(object node) => node switch
    {
        Scalar { IsNull: true } => "nothing",
        Scalar => "a single value",
        Sequence => "a list",
        _ => "a set of fields",
    };

    private static string Describe(object node) => node is Scalar { IsNull: false } s ? $"'{Short(s.Text)}'" : Kind(node);

    private static string Short(string text)
    {
        var line = OneLine(text);
        return line.Length <= 40 ? line : line[..40] + "…";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
