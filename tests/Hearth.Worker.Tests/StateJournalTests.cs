using Hearth.Protocol.WorkerApi;
using Hearth.Worker.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Worker.Tests;

/// <summary>The worker's state journal: what a restarted worker finds, whatever a crash left at the end of the file.</summary>
public sealed class StateJournalTests
{
    private const string Worker = "0x1111111111111111111111111111111111111111";

    private static WorkerStateStore Store(TempDir dir) => new(dir.Path, Worker, NullLogger<WorkerStateStore>.Instance);

    private static HeldReplicate Held(string id, ContributionReport? contribution = null) => new(
        new Assignment(id, "0x" + new string('d', 64), 3, "0x" + new string('t', 64).Replace('t', 'e'),
            new AssetRef("1", "0x" + new string('a', 64), "http://127.0.0.1:1/blobs/"), null, ["--n", "5"],
            new Dictionary<string, string> { ["K"] = "v" }, new TaskLimits(60, 1 << 26, null), DateTimeOffset.UnixEpoch.AddDays(30000),
            "http://127.0.0.1:1/", "0x" + new string('5', 130)),
        DateTimeOffset.UnixEpoch.AddDays(20000), contribution);

    [Fact]
    public void A_restarted_worker_finds_what_was_held_after_appends_and_removals()
    {
        using var dir = new TempDir();
        var store = Store(dir);
        store.Load();
        store.PutMany([Held("r-1"), Held("r-2"), Held("r-3")]);
        var signed = new ContributionReport("0x" + new string('c', 64), "0x" + new string('b', 130), 0, null, 0.5, null);
        store.Put(Held("r-2", signed));
        Assert.Equal(1, store.RemoveMany(["r-1", "r-9"]));

        var lines = File.ReadAllLines(store.Path);
        Assert.Equal(1 + 3 + 1 + 1, lines.Length); // header, three holds, one update, one removal: appended, not rewritten

        var reloaded = Store(dir).Load().OrderBy(h => h.ReplicateId).ToList();
        Assert.Equal(["r-2", "r-3"], reloaded.Select(h => h.ReplicateId));
        Assert.Equal(signed, reloaded[0].Contribution);
        Assert.Equal(Held("r-3").Assignment.Environment, reloaded[1].Assignment.Environment);
        Assert.Equal(3, File.ReadAllLines(store.Path).Length); // loading rewrote it whole: header and the two held
    }

    [Fact]
    public void A_held_replicate_keeps_its_input_files_across_a_restart()
    {
        using var dir = new TempDir();
        var store = Store(dir);
        store.Load();
        Protocol.Deals.InputFile[] inputs = [new("part-7.csv", "https://data.example.org/part-7.csv", "0x" + new string('f', 64), 12), new("b.bin", "http://h/b", "0x" + new string('0', 64), null)];
        store.Put(Held("r-1") with { Assignment = Held("r-1").Assignment with { Inputs = inputs } });

        var reloaded = Store(dir).Load().Single();

        Assert.Equal(inputs, reloaded.Assignment.Inputs);
    }

    [Fact]
    public void A_last_line_torn_by_a_crash_is_dropped_and_the_rest_kept()
    {
        using var dir = new TempDir();
        var store = Store(dir);
        store.PutMany([Held("r-1"), Held("r-2")]);
        store.Remove("r-1");
        var text = File.ReadAllText(store.Path);
        File.WriteAllText(store.Path, text + "{\"put\":{\"assignment\":{\"replicateId\":\"r-3\",\"dea");

        var held = Store(dir).Load();

        Assert.Equal(["r-2"], held.Select(h => h.ReplicateId));
        Assert.DoesNotContain("r-3", File.ReadAllText(store.Path));
    }

    [Fact]
    public void A_journal_damaged_before_its_last_line_or_of_an_old_format_holds_nothing()
    {
        using var dir = new TempDir();
        var store = Store(dir);
        store.PutMany([Held("r-1"), Held("r-2")]);
        var lines = File.ReadAllLines(store.Path);
        lines[1] = "not json";
        File.WriteAllLines(store.Path, lines);
        Assert.Empty(Store(dir).Load());

        File.WriteAllText(store.Path, $"{{\"version\":1,\"worker\":\"{Worker}\",\"replicates\":[]}}\n");
        Assert.Empty(Store(dir).Load());
        File.WriteAllText(store.Path, "");
        Assert.Empty(Store(dir).Load());
    }

    [Fact]
    public void The_journal_stays_small_however_many_replicates_came_and_went()
    {
        using var dir = new TempDir();
        var store = Store(dir);
        store.Load();
        for (var i = 0; i < 5_000; i++)
        {
            store.Put(Held($"r-{i}"));
            store.Put(Held($"r-{i}", new ContributionReport("0x" + new string('c', 64), "0x" + new string('b', 130), 0, null, 0.5, null)));
            store.Remove($"r-{i - 3}");
        }

        Assert.InRange(File.ReadAllLines(store.Path).Length, 4, 600);
        Assert.Equal(["r-4997", "r-4998", "r-4999"], Store(dir).Load().Select(h => h.ReplicateId).Order());
    }
}
