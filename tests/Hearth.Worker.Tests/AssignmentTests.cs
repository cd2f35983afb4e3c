using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Execution;

namespace Hearth.Worker.Tests;

/// <summary>One assignment, end to end: a real worker against the fake scheduler and a real storage service.</summary>
public sealed class AssignmentTests(ITestOutputHelper output)
{
    private const string ForeverLoop = """(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))""";

    [Fact]
    public async Task Montecarlo_assignment_ends_in_a_signed_contribution_of_the_uploaded_archive()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(worker.Address, app, ["100000", "42"]);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var (who, _, report) = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId), "the contribution");

        Assert.Equal(worker.Address, who, ignoreCase: true);
        Assert.Equal(0, report.ExitCode);
        var digest = Hash32.Parse(report.Digest);
        var signer = ContributionSigning.RecoverWorker(TestNetwork.Domain, Hash32.Parse(assignment.TaskId), digest, Convert.FromHexString(report.Signature[2..]));
        Assert.Equal(worker.Address, signer, ignoreCase: true);
        var archive = await network.DownloadAsync(report.Digest);
        Assert.Equal(digest, Ids.ResultDigest(archive));
        Assert.Contains("\"pi\"", Encoding.UTF8.GetString(archive));
        var stages = network.Scheduler.Read(s => s.Progress.Where(p => p.ReplicateId == assignment.ReplicateId).Select(p => p.Stage).ToList());
        Assert.Equal([ProgressStages.Downloading, ProgressStages.Running, ProgressStages.Uploading], stages);
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
    }

    [Fact]
    public async Task Work_comes_with_the_answer_to_a_report_without_asking_again()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        var address = new Nethereum.Signer.EthECKey(options.PrivateKey).GetPublicAddress();
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        // One slot holds two replicates: the first request for work takes two, the third comes back with the first report.
        for (var i = 1; i <= 3; i++)
            network.Scheduler.Enqueue(address, network.Assign(address, app, ["1000", $"{i}"], replicateId: $"replicate-{i}", index: i - 1));
        await network.StartWorkerAsync(options);

        var contributions = await network.Scheduler.WaitForAsync(s => s.Contributions.Count == 3 ? s.Contributions.ToList() : null, "three contributions");

        Assert.Equal(["replicate-1", "replicate-2", "replicate-3"], contributions.Select(c => c.ReplicateId));
        Assert.Equal(["replicate-3"], network.Scheduler.Read(s => s.HandedBack.ToList()));
    }

    [Fact]
    public async Task A_batch_too_large_for_the_scheduler_is_split_and_every_report_delivered()
    {
        await using var network = await TestNetwork.StartAsync(output);
        network.Scheduler.MaxReportsPerExchange = 1;
        network.Scheduler.ReportAnswerDelay = TimeSpan.FromMilliseconds(300);
        var options = network.WorkerOptions(1);
        options.Slots = 4;
        var address = new Nethereum.Signer.EthECKey(options.PrivateKey).GetPublicAddress();
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        for (var i = 1; i <= 8; i++)
            network.Scheduler.Enqueue(address, network.Assign(address, app, ["1000", $"{i}"], replicateId: $"replicate-{i}", index: i - 1));
        await network.StartWorkerAsync(options);

        // While one report's answer is held, the others pile up and go together: refused, split, delivered.
        var contributions = await network.Scheduler.WaitForAsync(s => s.Contributions.Count == 8 ? s.Contributions.ToList() : null, "eight contributions");

        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"replicate-{i}").Order(), contributions.Select(c => c.ReplicateId).Order());
        Assert.True(network.Scheduler.Read(s => s.TooLarge) > 0, "no batch of several reports was sent");
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
    }

    [Fact]
    public async Task Stages_shorter_than_the_progress_delay_are_not_reported()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        options.ProgressReportDelay = TimeSpan.FromSeconds(30);
        var worker = await network.StartWorkerAsync(options);
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(worker.Address, app, ["1000", "3"]);
        network.Scheduler.Enqueue(worker.Address, assignment);

        await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the contribution");

        Assert.Empty(network.Scheduler.Read(s => s.Progress.ToList()));
    }

    [Fact]
    public async Task A_stage_that_lasts_longer_than_the_progress_delay_is_reported()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var options = network.WorkerOptions(1);
        options.ProgressReportDelay = TimeSpan.FromMilliseconds(100);
        var worker = await network.StartWorkerAsync(options);
        var app = await network.PutAsync(Encoding.UTF8.GetBytes(ForeverLoop));
        var assignment = network.Assign(worker.Address, app, [], limits: new TaskLimits(2, 64L * 1024 * 1024, null));
        network.Scheduler.Enqueue(worker.Address, assignment);

        await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the failure report");

        var stages = network.Scheduler.Read(s => s.Progress.Where(p => p.ReplicateId == assignment.ReplicateId).Select(p => p.Stage).ToList());
        Assert.Contains(ProgressStages.Running, stages);
        Assert.DoesNotContain(ProgressStages.Uploading, stages);
    }

    [Fact]
    public async Task Two_workers_running_the_same_task_contribute_the_same_digest()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var first = await network.StartWorkerAsync(network.WorkerOptions(1));
        var second = await network.StartWorkerAsync(network.WorkerOptions(2));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var one = network.Assign(first.Address, app, ["50000", "7"], replicateId: "replicate-1");
        var two = network.Assign(second.Address, app, ["50000", "7"], replicateId: "replicate-2");
        network.Scheduler.Enqueue(first.Address, one);
        network.Scheduler.Enqueue(second.Address, two);

        var contributions = await network.Scheduler.WaitForAsync(s => s.Contributions.Count == 2 ? s.Contributions.ToList() : null, "two contributions");

        Assert.Equal(contributions[0].Report.Digest, contributions[1].Report.Digest);
        Assert.NotEqual(contributions[0].Report.Signature, contributions[1].Report.Signature);
        Assert.NotEqual(contributions[0].Worker, contributions[1].Worker, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Dataset_whose_location_holds_other_bytes_is_refused_and_nothing_is_contributed()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var stored = await network.PutAsync("event,charge\n0,1\n"u8.ToArray());
        var registered = Hash32.Sha256("the bytes the provider registered"u8).ToString();
        var dataset = stored with { Checksum = registered };
        var assignment = network.Assign(worker.Address, app, ["1000", "1"], dataset: dataset);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the failure report");

        Assert.Equal(FailureKinds.Integrity, failure.Kind);
        Assert.StartsWith($"dataset bytes do not match sha256 {registered[2..]}", failure.Reason);
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
        Assert.DoesNotContain(ProgressStages.Running, network.Scheduler.Read(s => s.Progress.Select(p => p.Stage).ToList()));
    }

    [Fact]
    public async Task Dataset_corrupted_in_storage_is_refused_and_nothing_is_contributed()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var dataset = await network.PutAsync("event,charge\n0,1\n"u8.ToArray(), name: "events.csv");
        // A disk that flipped bits: the storage serves bytes that no longer hash to their address.
        var onDisk = network.Storage.Store.PathOf(Hearth.Storage.BlobAddress.Parse(dataset.Checksum[2..]));
        await File.WriteAllTextAsync(onDisk, "event,charge\n0,9\n");
        var assignment = network.Assign(worker.Address, app, ["1000", "1"], dataset: dataset);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the failure report");

        Assert.Equal(FailureKinds.Integrity, failure.Kind);
        Assert.StartsWith($"dataset bytes do not match sha256 {dataset.Checksum[2..]}", failure.Reason);
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
    }

    [Fact]
    public async Task Assignment_authorised_by_another_key_is_refused_before_anything_is_downloaded()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var forged = network.Assign(worker.Address, app, ["1000", "1"], signer: TestKeys.Forger);
        network.Scheduler.Enqueue(worker.Address, forged);

        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == forged.ReplicateId).Report, "the refusal");

        Assert.Equal(FailureKinds.Unauthorised, failure.Kind);
        Assert.Contains(TestKeys.Forger.GetPublicAddress(), failure.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(network.Scheduler.Read(s => s.Progress.ToList()));
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
    }

    [Fact]
    public async Task Assignment_whose_task_id_is_not_the_deals_task_is_refused()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(worker.Address, app, ["1000", "1"], index: 3) with { TaskIndex = 4 };
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the refusal");

        Assert.Equal(FailureKinds.InvalidAssignment, failure.Kind);
        Assert.Contains("is not task 4 of deal", failure.Reason);
    }

    [Fact]
    public async Task Module_that_loops_forever_is_reported_as_a_timeout()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutAsync(Encoding.UTF8.GetBytes(ForeverLoop));
        var assignment = network.Assign(worker.Address, app, [], limits: new TaskLimits(1, 16L << 20, null));
        network.Scheduler.Enqueue(worker.Address, assignment);

        var failure = await network.Scheduler.WaitForAsync(s => s.Failures.FirstOrDefault(f => f.ReplicateId == assignment.ReplicateId).Report, "the timeout");

        Assert.Equal("timeout", failure.Kind);
        Assert.Contains("wall-time limit of 1000 ms exceeded", failure.Reason);
        Assert.Empty(network.Scheduler.Read(s => s.Contributions.ToList()));
    }

    [Fact]
    public async Task Module_exiting_with_an_error_contributes_its_failure_record_with_its_exit_code_and_stderr()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var assignment = network.Assign(worker.Address, app, ["not-a-number"]);
        network.Scheduler.Enqueue(worker.Address, assignment);

        // The program's own failure is its result: contributed (signed, uploaded), never reported as a failure.
        var report = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the failure record");
        Assert.Equal(2, report.ExitCode);
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));

        using var archive = new System.Formats.Tar.TarReader(new MemoryStream(await network.DownloadAsync(report.Digest)));
        var entries = new Dictionary<string, string>();
        while (archive.GetNextEntry() is { } entry)
            if (entry.DataStream is { } data) entries[entry.Name.TrimStart('.', '/')] = new StreamReader(data).ReadToEnd();
        Assert.Equal(new Hearth.Protocol.Deals.AppFailure("non-zero-exit", 2, false, false).ToJson(),
            Encoding.UTF8.GetBytes(entries.Single(e => e.Key.EndsWith("failure.json", StringComparison.Ordinal)).Value));
        Assert.NotEmpty(entries.Single(e => e.Key.EndsWith("/stderr", StringComparison.Ordinal)).Value);
        Assert.DoesNotContain(entries.Keys, k => !k.StartsWith("hearth/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Download_time_is_not_counted_against_the_wall_time_limit()
    {
        // Every download waits 2.5 s at the storage; the task may run for 1 s.
        await using var network = await TestNetwork.StartAsync(output, storageReadDelay: TimeSpan.FromSeconds(2.5));
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));
        var app = await network.PutFileAsync(TestNetwork.App("montecarlo"));
        var dataset = await network.PutAsync("unused"u8.ToArray());
        var assignment = network.Assign(worker.Address, app, ["1000", "3"], limits: new TaskLimits(1, 64L << 20, null), dataset: dataset);
        network.Scheduler.Enqueue(worker.Address, assignment);

        var contribution = await network.Scheduler.WaitForAsync(s => s.Contributions.FirstOrDefault(c => c.ReplicateId == assignment.ReplicateId).Report, "the contribution");

        Assert.Equal(0, contribution.ExitCode);
        Assert.True(contribution.RunSeconds < 1, $"the module ran {contribution.RunSeconds} s");
        Assert.Empty(network.Scheduler.Read(s => s.Failures.ToList()));
    }
}
