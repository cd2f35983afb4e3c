using System.Text.RegularExpressions;
using Hearth.Cli;
using Hearth.Network;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// apps/wordsort as a bundle through the whole market: `hearth app register apps/wordsort` packs its /share tree, uploads
/// module, tree and manifest and registers the manifest's sha256; a deal with a text dataset runs on the local network's
/// workers to a certified result, which holds the counts the C program computed from /share and /in through /tmp.
/// </summary>
public sealed partial class AppBundleCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>, IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-bundles-").FullName;

    private static string Wordsort { get; } = Path.Combine(AppsFolder(), "wordsort");

    private const string Text = """
        The hearth of the house is warm in winter: heat from the boiler, water in the radiator.
        A worker in the city market sells apple, pear and plum; the apple and the pear are sold by night.
        Zebra, quokka and the fig tree by the river stone.
        """;

    [Fact]
    public async Task A_registered_bundle_runs_a_deal_to_a_certified_result_computed_from_its_tree()
    {
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 5])).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var registered = await HearthAsync("app", "register", Wordsort);
        Assert.True(registered.Code == 0, registered.Error);
        Assert.StartsWith("registered app ", registered.Out);
        Assert.Contains("(wordsort)", registered.Out);
        Assert.Matches(@"\nmodule +[0-9a-f]{64}\n", registered.Out);
        Assert.Matches(@"\ntree /share [0-9a-f]{64}\n", registered.Out);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.01", "--volume", "10")).Code);

        var text = Path.Combine(_home, "text.txt");
        await File.WriteAllTextAsync(text, Text);
        var dataset = await HearthAsync("dataset", "register", text);
        Assert.True(dataset.Code == 0, dataset.Error);
        var datasetId = dataset.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "dataset", datasetId, "--price", "0.01", "--volume", "10")).Code);

        // The manifest's args (--run-words 4) come first: the request's --run-words 3 is read after them and wins.
        var results = Path.Combine(_home, "results");
        var run = await HearthAsync("run", appId, "--dataset", datasetId, "--params", """{"args":["--run-words","3"]}""", "--out", results);
        Assert.True(run.Code == 0, run.Error + run.Out);

        var words = await File.ReadAllTextAsync(Path.Combine(results, "task-0", "words.txt"));
        Assert.Equal(ExpectedCounts(Text, minLength: 3), words);
        Assert.Equal("apple 2", words.Split('\n')[0]);
        var summary = await File.ReadAllTextAsync(Path.Combine(results, "task-0", "summary.txt"));
        var kept = Words().Matches(Text).Count(m => IsKept(m.Value.ToLowerInvariant(), 3));
        Assert.Contains($"kept {kept}\n", summary);
        Assert.Contains($"runs {(kept + 2) / 3}\n", summary);
    }

    [Fact]
    public async Task A_bundle_with_a_bad_mount_or_a_ready_manifest_whose_parts_are_not_stored_is_not_registered()
    {
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 6])).Code);
        var folder = Directory.CreateDirectory(Path.Combine(_home, "bad-mount")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "share"));
        File.Copy(Path.Combine(Wordsort, "build", "wordsort.wasm"), Path.Combine(folder, "app.wasm"));
        await File.WriteAllTextAsync(Path.Combine(folder, "hearth-app.json"),
            """{"format":"hearth-app/1","module":"app.wasm","trees":[{"mount":"/tmp/share","path":"share"}]}""");

        var badMount = await HearthAsync("app", "register", folder);

        Assert.NotEqual(0, badMount.Code);
        Assert.Contains("mount '/tmp/share' is at or under /tmp", badMount.Error);

        var ready = Path.Combine(_home, "ready.json");
        await File.WriteAllTextAsync(ready, "{\"format\":\"hearth-app/1\",\"module\":{\"sha256\":\"" + new string('e', 64) + "\",\"size\":10}}");

        var missing = await HearthAsync("app", "register", ready);

        Assert.NotEqual(0, missing.Code);
        Assert.Contains($"the manifest's module {new string('e', 64)} is not in storage", missing.Error);
    }

    /// <summary>What wordsort writes, computed here from the bundle's dictionary and stop words.</summary>
    private static string ExpectedCounts(string text, int minLength) => string.Concat(Words().Matches(text)
        .Select(m => m.Value.ToLowerInvariant()).Where(w => IsKept(w, minLength))
        .GroupBy(w => w).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}\n"));

    private static bool IsKept(string word, int minLength) =>
        word.Length >= minLength && !List("lists/stopwords.txt").Contains(word) && List("dictionary.txt").Contains(word);

    private static HashSet<string> List(string name) => [.. File.ReadAllLines(Path.Combine(Wordsort, "share", name))];

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex Words();

    private static string AppsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "apps", "build.sh"))) return Path.Combine(dir.FullName, "apps");
        throw new DirectoryNotFoundException("apps/ not found");
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
