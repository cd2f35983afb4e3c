using System.Text;
using Hearth.Sandbox.Apps;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// The bundle manifest is read strictly: a valid one round-trips through canonical JSON, and every malformed or hostile
/// one is refused with a reason naming the field and the rule.
/// </summary>
public sealed class AppManifestTests
{
    private static readonly string A = new('a', 64), B = new('b', 64), C = new('c', 64);

    private static string Manifest(string trees = "[]", string extra = "") =>
        $$"""{"format":"hearth-app/1","module":{"sha256":"{{A}}","size":100},"trees":{{trees}}{{extra}}}""";

    private static string Tree(string mount, string sha256 = "", long size = 10) =>
        $$"""{"mount":"{{mount}}","sha256":"{{(sha256 == "" ? B : sha256)}}","size":{{size}}}""";

    [Fact]
    public void A_full_manifest_parses_and_its_canonical_json_parses_to_the_same()
    {
        var text = Manifest($"[{Tree("/share")},{Tree("/opt/models", C, 20)}]",
            ""","args":["--x","a b"],"env":{"MODE":"fast"},"needs":{"memoryBytes":1048576,"scratchBytes":2048}""");

        var manifest = AppManifest.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Equal(new AppPart(A, 100), manifest.Module);
        Assert.Equal(["/share", "/opt/models"], manifest.Trees.Select(t => t.Mount));
        Assert.Equal(["--x", "a b"], manifest.Arguments);
        Assert.Equal("fast", manifest.Environment["MODE"]);
        Assert.Equal(new AppNeeds(1048576, 2048, null), manifest.Needs);
        Assert.Equal(130, manifest.TotalPartBytes);
        var again = AppManifest.Parse(manifest.ToJson());
        Assert.Equal(manifest.ToJson(), again.ToJson());
    }

    [Fact]
    public void A_module_looks_like_a_module_and_a_json_object_like_a_manifest()
    {
        Assert.False(AppManifest.LooksLikeManifest("\0asm\u0001\0\0\0"u8));
        Assert.False(AppManifest.LooksLikeManifest("(module)"u8));
        Assert.False(AppManifest.LooksLikeManifest(";; a comment\n(module)"u8));
        Assert.True(AppManifest.LooksLikeManifest(" \n{\"format\":1}"u8));
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { "[1]", "not a JSON object" },
        { "{\"format\":", "not valid JSON" },
        { Manifest().Replace("hearth-app/1", "hearth-app/2"), "unknown format \"hearth-app/2\"" },
        { $$"""{"format":"hearth-app/1"}""", "\"module\" is missing" },
        { Manifest().Replace(A, "A" + A[1..]), "is not 64 lowercase hex digits" },
        { Manifest().Replace(A, A[..63]), "is not 64 lowercase hex digits" },
        { Manifest().Replace("\"size\":100", "\"size\":0"), "module: size 0 is out of bounds" },
        { Manifest().Replace("\"size\":100", "\"size\":99999999999999"), "module: size 99999999999999 is out of bounds" },
        { Manifest(extra: ",\"extra\":1"), "unknown property \"extra\"" },
        { Manifest(extra: ",\"trees\":[]"), "property \"trees\" is given twice" },
        { Manifest($"[{Tree("share")}]"), "must be an absolute path" },
        { Manifest($"[{Tree("/share/../etc")}]"), "has a '..' component" },
        { Manifest($"[{Tree("/share/./x")}]"), "has a '.' component" },
        { Manifest($"[{Tree("/")}]"), "has an empty component" },
        { Manifest($"[{Tree("/share/")}]"), "has an empty component" },
        { Manifest($"[{Tree("/in")}]"), "is at or under /in" },
        { Manifest($"[{Tree("/out/x")}]"), "is at or under /out" },
        { Manifest($"[{Tree("/tmp")}]"), "is at or under /tmp" },
        { Manifest($"[{Tree("/dev/shm")}]"), "is at or under /dev" },
        { Manifest($"[{Tree("/sh are")}]"), "may hold only ASCII letters" },
        { Manifest($"[{Tree("/share")},{Tree("/share", C)}]"), "mount /share is used twice" },
        { Manifest($"[{Tree("/share")},{Tree("/share/more", C)}]"), "are nested" },
        { Manifest($"[{string.Join(",", Enumerable.Range(0, 17).Select(i => Tree($"/t{i}")))}]"), "more than the 16 allowed" },
        { Manifest($"[{Tree("/a", B, 9L << 30)},{Tree("/b", C, 9L << 30)}]"), "the parts add up to" },
        { Manifest(extra: ",\"env\":{\"HEARTH_TASK_INDEX\":\"7\"}"), "names starting HEARTH_ are set by the scheduler" },
        { Manifest(extra: ",\"env\":{\"1X\":\"7\"}"), "env name '1X'" },
        { Manifest(extra: ",\"env\":{\"X\":7}"), "env X is not a string" },
        { Manifest(extra: $",\"args\":[\"{new string('x', 5000)}\"]"), "args[0] is longer than 4096 bytes" },
        { Manifest(extra: $",\"args\":[{string.Join(",", Enumerable.Repeat("\"x\"", 65))}]"), "\"args\" has 65 entries" },
        { Manifest(extra: ",\"needs\":{\"memoryBytes\":-1}"), "needs.memoryBytes must be a whole number" },
        { Manifest(extra: ",\"needs\":{\"gpus\":1}"), "unknown property \"gpus\"" },
    };

    [Theory, MemberData(nameof(Hostile))]
    public void A_hostile_manifest_is_refused_with_a_reason_naming_the_problem(string text, string reason)
    {
        var refused = Assert.Throws<AppManifestException>(() => AppManifest.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.StartsWith("invalid app manifest: ", refused.Message);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public void A_huge_manifest_is_refused_before_it_is_parsed()
    {
        var huge = Manifest(extra: $",\"args\":[\"{new string('x', 70_000)}\"]");

        var refused = Assert.Throws<AppManifestException>(() => AppManifest.Parse(Encoding.UTF8.GetBytes(huge)));
        Assert.Contains("more than the 65536 allowed", refused.Message);
    }
}
