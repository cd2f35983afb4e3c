using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Hearth.Cli;
using Hearth.Network;
using Hearth.Tests.Shared;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// `hearth dataset register` keeps a file's name (the app reads /in/events.csv), and a .tar.gz dataset is unpacked
/// under /in (the app reads /in/a/b.txt): registered, published and run by `hearth run` against a local network.
/// </summary>
public sealed class DatasetInputCliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-datasets-").FullName;

    [Fact]
    public async Task A_registered_file_keeps_its_name_and_a_tar_gz_is_a_tree_under_in()
    {
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[DevAccounts.FirstWorker + 5])).Code);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var csv = Path.Combine(_home, "events.csv");
        await File.WriteAllTextAsync(csv, "mass,charge\n91.2,0\n");
        var named = await RegisterDatasetAsync(csv);
        Assert.EndsWith("?name=events.csv", named.Location);
        Assert.Equal("mass,charge\n91.2,0\n", await RunCopyAsync("events.csv", named.Id, "named"));

        var tree = Path.Combine(_home, "tree.tar.gz");
        await using (var file = File.Create(tree))
        await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "a"));
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "a/b.txt") { DataStream = new MemoryStream("deep inside\n"u8.ToArray()) });
        }
        var archive = await RegisterDatasetAsync(tree);
        Assert.Equal("deep inside\n", await RunCopyAsync("a/b.txt", archive.Id, "tree"));
    }

    private async Task<(string Id, string Location)> RegisterDatasetAsync(string path)
    {
        var registered = await HearthAsync("dataset", "register", path);
        Assert.True(registered.Code == 0, registered.Error);
        var id = registered.Out.Split(' ', '\n')[2];
        var location = registered.Out.Split('\n').First(l => l.StartsWith("location", StringComparison.Ordinal))["location".Length..].Trim();
        var published = await HearthAsync("order", "publish", "dataset", id, "--price", "0.01", "--volume", "10");
        Assert.True(published.Code == 0, published.Error);
        return (id, location);
    }

    private async Task<string> RunCopyAsync(string path, string datasetId, string name)
    {
        var module = Path.Combine(_home, name + ".wasm");
        await File.WriteAllBytesAsync(module, Wasmtime.Module.ConvertText(TestPrograms.CopyFromIn(path)));
        var registered = await HearthAsync("app", "register", module, "--name", name);
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];
        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.01", "--volume", "10")).Code);

        var results = Path.Combine(_home, "results-" + name);
        var run = await HearthAsync("run", appId, "--dataset", datasetId, "--out", results);
        Assert.True(run.Code == 0, run.Error + run.Out);
        return await File.ReadAllTextAsync(Path.Combine(results, "task-0", "copy"));
    }

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthCli.RunAsync(_home, f.Profile, args);
}
