using System.Text;
using Hearth.Cli;
using Hearth.Network;

namespace Hearth.EndToEnd.Tests;

/// <summary>An app that leaves links in /out, run with `hearth run` and fetched again with `hearth results get`: the
/// requester gets the files it paid for, is told which links were not extracted, and no link is created.</summary>
public sealed class ResultLinksCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-links-").FullName;

    [Fact]
    public async Task Results_with_links_out_of_out_are_unpacked_without_the_links_and_the_links_are_named()
    {
        var app = OutApp.Wat(
        [
            new OutApp.File("result.txt", Encoding.UTF8.GetBytes("the result")),
            new OutApp.Link("up", "../.."),
            new OutApp.Folder("d"),
            new OutApp.Folder("d/e"),
            new OutApp.Link("d/e/l", ".."),
            new OutApp.Link("d/e/m", "l/.."),
        ]);
        var module = Path.Combine(_home, "links.wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(app));
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 5])).Code);
        var registered = await HearthAsync("app", "register", module, "--name", "links");
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.02", "--volume", "10")).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var results = Path.Combine(_home, "results");
        var run = await HearthAsync("run", appId, "--out", results);

        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains("1 of 1 certified on chain", run.Out);
        Assert.True(run.Out.Contains("3 links not extracted: d/e/l -> .., d/e/m -> l/.., up -> ../..", StringComparison.Ordinal), run.Out);
        Assert.Equal("the result", await File.ReadAllTextAsync(Path.Combine(results, "task-0", "result.txt")));
        AssertNoLinks(results);

        var dealId = run.Out.Split('\n').First(l => l.StartsWith("deal ", StringComparison.Ordinal)).Split(' ')[1].TrimEnd(':');
        var again = Path.Combine(_home, "again");
        var get = await HearthAsync("results", "get", dealId, "--out", again);
        Assert.True(get.Code == 0, get.Error + get.Out);
        Assert.Contains("matches the chain", get.Out);
        Assert.True(get.Out.Contains("3 links not extracted: d/e/l -> .., d/e/m -> l/.., up -> ../..", StringComparison.Ordinal), get.Out);
        Assert.Equal("the result", await File.ReadAllTextAsync(Path.Combine(again, "task-0", "result.txt")));
        AssertNoLinks(again);
        var json = await HearthAsync("results", "get", dealId, "--out", again, "--json");
        var task = System.Text.Json.JsonDocument.Parse(json.Out).RootElement[0];
        Assert.Equal("up -> ../..", task.GetProperty("linksNotExtracted")[2].GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, task.GetProperty("refused").ValueKind);
    }

    private static void AssertNoLinks(string folder)
    {
        foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Assert.Null(info.LinkTarget);
        }
    }

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
