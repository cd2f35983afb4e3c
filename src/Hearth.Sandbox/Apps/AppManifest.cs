using System.Text;
using System.Text.Json;

namespace Hearth.Sandbox.Apps;

/// <summary>A part of a bundle, named by the sha256 (64 lowercase hex digits) and the length of its bytes.</summary>
public sealed record AppPart(string Sha256, long Size);

/// <summary>A read-only file tree of a bundle: a deterministic tar (a <see cref="AppPart"/>) shown at <see cref="Mount"/>.</summary>
public sealed record AppTree(string Mount, AppPart Part);

/// <summary>What an app says it needs of the sandbox; each is optional. Parsed and checked, not yet put on orders.</summary>
public sealed record AppNeeds(long? MemoryBytes, long? ScratchBytes, long? OutputBytes)
{
    public static AppNeeds None { get; } = new(null, null, null);
}

/// <summary>A manifest refused by <see cref="AppManifest.Parse"/>; the message names the field and the rule.</summary>
public sealed class AppManifestException(string message) : Exception(message);

/// <summary>
/// An app bundle: a WASI module plus read-only file trees, each named by sha256, with arguments, environment and needs.
/// The checksum registered on chain is the sha256 of the manifest's bytes. Format (docs/apps.md, "Bundles"):
/// <code>{"format":"hearth-app/1","module":{"sha256":"…","size":123},"trees":[{"mount":"/share","sha256":"…","size":456}],
///  "args":["--x"],"env":{"MODE":"fast"},"needs":{"memoryBytes":…,"scratchBytes":…,"outputBytes":…}}</code>
/// Parsing is strict: unknown or repeated properties, bad sha256s, sizes out of bounds, mounts that are not plain absolute
/// paths or that touch /in, /out, /tmp, /dev or each other, and too many or too long args and env entries are refused.
/// </summary>
public sealed record AppManifest(AppPart Module, IReadOnlyList<AppTree> Trees, IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment, AppNeeds Needs)
{
    public const string Format = "hearth-app/1";
    public const int MaxManifestBytes = 64 * 1024;
    public const int MaxTrees = 16;
    public const int MaxArguments = 64;
    public const int MaxEnvironment = 64;
    public const int MaxStringLength = 4096;
    public const int MaxMountLength = 128;
    public const int MaxMountDepth = 8;
    /// <summary>The largest part a manifest may name (a worker holds the sum of parts to its own, smaller, limit).</summary>
    public const long MaxPartBytes = 16L << 30;
    /// <summary>The mounts the sandbox itself provides, and /dev: no tree may be at or under them.</summary>
    public static readonly IReadOnlyList<string> ReservedMounts = ["/in", "/out", "/tmp", "/dev"];

    /// <summary>Every part: the module first, then the trees in manifest order.</summary>
    public IEnumerable<AppPart> Parts => [Module, .. Trees.Select(t => t.Part)];

    /// <summary>The sum of the parts' sizes.</summary>
    public long TotalPartBytes => Parts.Sum(p => p.Size);

    /// <summary>
    /// Whether bytes look like a manifest rather than a module: a module starts with <c>\0asm</c> or is WebAssembly text
    /// (which starts with <c>(</c> or a comment); a manifest is a JSON object. Leading white space is skipped.
    /// </summary>
    public static bool LooksLikeManifest(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\0asm"u8)) return false;
        var i = 0;
        if (head.StartsWith("\uFEFF"u8)) i = 3;
        while (i < head.Length && head[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i < head.Length && head[i] == (byte)'{';
    }

    /// <summary>Parses and validates a manifest; throws <see cref="AppManifestException"/> naming the first problem.</summary>
    public static AppManifest Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxManifestBytes)
            throw Refused($"the manifest has {bytes.Length} bytes, more than the {MaxManifestBytes} allowed");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Refused($"the manifest is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Refused("the manifest is not a JSON object");
            var fields = Fields(root, "the manifest", "format", "module", "trees", "args", "env", "needs");
            var format = fields.TryGetValue("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != Format) throw Refused(format is null ? $"\"format\" must be \"{Format}\"" : $"unknown format \"{format}\" (this worker reads \"{Format}\")");
            if (!fields.TryGetValue("module", out var module)) throw Refused("\"module\" is missing");
            var manifest = new AppManifest(
                ParsePart(module, "module", requireMount: false).Part,
                fields.TryGetValue("trees", out var trees) ? ParseTrees(trees) : [],
                fields.TryGetValue("args", out var args) ? ParseArguments(args) : [],
                fields.TryGetValue("env", out var env) ? ParseEnvironment(env) : new Dictionary<string, string>(),
                fields.TryGetValue("needs", out var needs) ? ParseNeeds(needs) : AppNeeds.None);
            if (manifest.TotalPartBytes > MaxPartBytes)
                throw Refused($"the parts add up to {manifest.TotalPartBytes} bytes, more than the {MaxPartBytes} a manifest may name");
            return manifest;
        }
    }

    /// <summary>The manifest as canonical JSON (fixed property order, no spaces): the bytes whose sha256 is registered.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WritePropertyName("module");
            WritePart(json, null, Module);
            json.WriteStartArray("trees");
            foreach (var tree in Trees) WritePart(json, tree.Mount, tree.Part);
            json.WriteEndArray();
            json.WriteStartArray("args");
            foreach (var argument in Arguments) json.WriteStringValue(argument);
            json.WriteEndArray();
            json.WriteStartObject("env");
            foreach (var (name, value) in Environment.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(name, value);
            json.WriteEndObject();
            json.WriteStartObject("needs");
            if (Needs.MemoryBytes is { } memory) json.WriteNumber("memoryBytes", memory);
            if (Needs.ScratchBytes is { } scratch) json.WriteNumber("scratchBytes", scratch);
            if (Needs.OutputBytes is { } output) json.WriteNumber("outputBytes", output);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        var bytes = buffer.ToArray();
        // What this writes, the parser reads: a manifest built in code gets the same checks as one read from storage.
        Parse(bytes);
        return bytes;
    }

    /// <summary>A mount point's first problem, or null: a plain absolute path away from the reserved mounts.</summary>
    public static string? CheckMount(string mount)
    {
        if (mount.Length is 0 or > MaxMountLength) return $"must have 1 to {MaxMountLength} characters";
        if (mount[0] != '/') return "must be an absolute path (start with '/')";
        var segments = mount[1..].Split('/');
        if (segments.Length > MaxMountDepth) return $"has more than {MaxMountDepth} levels";
        foreach (var segment in segments)
        {
            if (segment.Length == 0) return "has an empty component (a trailing or double '/', or is '/')";
            if (segment is "." or "..") return $"has a '{segment}' component";
            if (!segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return $"component '{segment}' may hold only ASCII letters, digits, '.', '_' and '-'";
        }
        foreach (var reserved in ReservedMounts)
            if (mount == reserved || mount.StartsWith(reserved + "/", StringComparison.Ordinal)) return $"is at or under {reserved}, which the sandbox keeps";
        return null;
    }

    private static IReadOnlyList<AppTree> ParseTrees(JsonElement trees)
    {
        if (trees.ValueKind != JsonValueKind.Array) throw Refused("\"trees\" must be an array");
        if (trees.GetArrayLength() > MaxTrees) throw Refused($"\"trees\" has {trees.GetArrayLength()} entries, more than the {MaxTrees} allowed");
        var parsed = new List<AppTree>();
        foreach (var (element, index) in trees.EnumerateArray().Select((e, i) => (e, i)))
        {
            var (parsedMount, part) = ParsePart(element, $"trees[{index}]", requireMount: true);
            var mount = parsedMount!;
            foreach (var other in parsed)
            {
                if (other.Mount == mount) throw Refused($"trees[{index}]: mount {mount} is used twice");
                if (mount.StartsWith(other.Mount + "/", StringComparison.Ordinal) || other.Mount.StartsWith(mount + "/", StringComparison.Ordinal))
                    throw Refused($"trees[{index}]: mount {mount} and mount {other.Mount} are nested");
            }
            parsed.Add(new AppTree(mount, part));
        }
        return parsed;
    }

    private static (string? Mount, AppPart Part) ParsePart(JsonElement element, string what, bool requireMount)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Refused($"{what} must be an object");
        var fields = requireMount ? Fields(element, what, "mount", "sha256", "size") : Fields(element, what, "sha256", "size");
        string? mount = null;
        if (requireMount)
        {
            mount = fields.TryGetValue("mount", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : throw Refused($"{what}: \"mount\" is missing or not a string");
            if (CheckMount(mount) is { } problem) throw Refused($"{what}: mount '{mount}' {problem}");
        }
        var sha256 = fields.TryGetValue("sha256", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : throw Refused($"{what}: \"sha256\" is missing or not a string");
        if (!IsSha256(sha256)) throw Refused($"{what}: sha256 '{Shorten(sha256)}' is not 64 lowercase hex digits");
        if (!fields.TryGetValue("size", out var size) || !size.TryGetInt64(out var length))
            throw Refused($"{what}: \"size\" is missing or not a whole number");
        if (length is < 1 or > MaxPartBytes) throw Refused($"{what}: size {length} is out of bounds (1 to {MaxPartBytes} bytes)");
        return (mount, new AppPart(sha256, length));
    }

    private static IReadOnlyList<string> ParseArguments(JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Array) throw Refused("\"args\" must be an array of strings");
        if (args.GetArrayLength() > MaxArguments) throw Refused($"\"args\" has {args.GetArrayLength()} entries, more than the {MaxArguments} allowed");
        return [.. args.EnumerateArray().Select((a, i) => a.ValueKind == JsonValueKind.String ? Bounded(a.GetString()!, $"args[{i}]") : throw Refused($"args[{i}] is not a string"))];
    }

    private static Dictionary<string, string> ParseEnvironment(JsonElement env)
    {
        if (env.ValueKind != JsonValueKind.Object) throw Refused("\"env\" must be an object of strings");
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in env.EnumerateObject())
        {
            var name = property.Name;
            if (parsed.Count == MaxEnvironment) throw Refused($"\"env\" has more than the {MaxEnvironment} entries allowed");
            if (name.Length is 0 or > 128 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw Refused($"env name '{Shorten(name)}' must be 1 to 128 ASCII letters, digits and '_', not starting with a digit");
            if (name.StartsWith("HEARTH_", StringComparison.OrdinalIgnoreCase)) throw Refused($"env {name}: names starting HEARTH_ are set by the scheduler");
            if (property.Value.ValueKind != JsonValueKind.String) throw Refused($"env {name} is not a string");
            if (!parsed.TryAdd(name, Bounded(property.Value.GetString()!, $"env {name}"))) throw Refused($"env {name} is set twice");
        }
        return parsed;
    }

    private static AppNeeds ParseNeeds(JsonElement needs)
    {
        if (needs.ValueKind != JsonValueKind.Object) throw Refused("\"needs\" must be an object");
        var fields = Fields(needs, "needs", "memoryBytes", "scratchBytes", "outputBytes");
        long? Need(string name, long max)
        {
            if (!fields.TryGetValue(name, out var value)) return null;
            if (!value.TryGetInt64(out var n) || n < 1 || n > max) throw Refused($"needs.{name} must be a whole number from 1 to {max}");
            return n;
        }
        return new AppNeeds(Need("memoryBytes", 4L << 30), Need("scratchBytes", 1L << 40), Need("outputBytes", 1L << 40));
    }

    /// <summary>The object's properties, refusing any not in <paramref name="allowed"/> and any given twice.</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement element, string what, params string[] allowed)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name)) throw Refused($"{what}: unknown property \"{Shorten(property.Name)}\" (allowed: {string.Join(", ", allowed)})");
            if (!fields.TryAdd(property.Name, property.Value)) throw Refused($"{what}: property \"{property.Name}\" is given twice");
        }
        return fields;
    }

    private static void WritePart(Utf8JsonWriter json, string? mount, AppPart part)
    {
        json.WriteStartObject();
        if (mount is not null) json.WriteString("mount", mount);
        json.WriteString("sha256", part.Sha256);
        json.WriteNumber("size", part.Size);
        json.WriteEndObject();
    }

    public static bool IsSha256(string value) => value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Bounded(string value, string what) =>
        Encoding.UTF8.GetByteCount(value) <= MaxStringLength && !value.Contains('\0')
            ? value : throw Refused($"{what} is longer than {MaxStringLength} bytes or holds a NUL");

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";

    private static AppManifestException Refused(string reason) => new($"invalid app manifest: {reason}");
}
