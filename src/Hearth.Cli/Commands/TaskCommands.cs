using System.CommandLine;
using Hearth.Chain;
using Hearth.Network.Requesting;
using Hearth.Sandbox;
using Hearth.Protocol;
using Hearth.Protocol.Deals;

namespace Hearth.Cli.Commands;

/// <summary>`hearth task show` and `hearth results get`.</summary>
public static class TaskCommands
{
    public static Command Task(CommandEnvironment env)
    {
        var command = new Command("task", "Tasks as the pool's scheduler sees them.");
        var id = new Argument<string>("task-id") { Description = "The task's id (0x + 64 hex digits), or DEAL-ID:INDEX." };
        var show = new Command("show", "Status and its reason, history, replicates with workers and digests, settlement.") { id };
        show.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(id)!;
            var taskId = text.Contains(':') ? ParseTaskOfDeal(text) : Hash32.TryParse(text, out var h) ? h : throw new CliException($"'{text}' is not a task id");
            var network = env.Network(parse);
            if (string.IsNullOrEmpty(network.SchedulerUrl)) throw new CliException("the network profile names no scheduler: set SchedulerUrl or HEARTH_SCHEDULERURL");
            var view = await SchedulerReader.For(network.SchedulerUrl).TaskAsync(taskId.ToString(), ct)
                ?? throw new CliException($"the scheduler knows no task {taskId}");
            var reader = env.Reader(parse);
            var deal = (await reader.FindDealAsync(Hash32.Parse(view.DealId), ct))?.Deal;
            var lines = new List<string>
            {
                $"task       {view.TaskId} (deal {view.DealId}, index {view.Index})",
                $"status     {view.Status}: {view.Reason}",
                $"result     {view.ConsensusDigest ?? "none yet"}",
                $"settled in {view.SettlementTx ?? "not yet"}",
            };
            if (view.SettlementTx is { } tx && await reader.Sender.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(tx) is { } receipt)
                lines.Add($"gas        {receipt.GasUsed.Value} for the whole settlement batch (paid by the pool's scheduler)");
            if (deal is not null)
            {
                var cut = deal.PoolPrice * deal.SchedulerShare / 100;
                lines.Add($"payments   requester pays {Tokens.Format(deal.TaskPrice)}: app owner {Tokens.Format(deal.AppPrice)}, dataset owner {Tokens.Format(deal.DatasetPrice)}, " +
                    $"pool owner {Tokens.Format(cut)}, agreeing workers {Tokens.Format(deal.PoolPrice - cut)} by log2 of their weights (rounding to the pool owner); " +
                    $"each contribution is backed by {Tokens.Format(deal.WorkerStake)} of its worker's stake, seized if it disagrees");
            }
            lines.Add("replicates:");
            lines.AddRange(view.Replicates.Select(r => $"  {r.Worker}  {r.Status}: {r.Reason}{(r.Digest is null ? "" : $"  digest {r.Digest}")}"));
            lines.Add("history:");
            lines.AddRange(view.History.Select(c => $"  {c.At:HH:mm:ss.fff}  {c.From ?? "-"} -> {c.To}: {c.Reason}"));
            env.Print(parse, view, [.. lines]);
            return 0;
        });
        command.Subcommands.Add(show);
        command.Subcommands.Add(Logs(env));
        return command;
    }

    /// <summary>
    /// `hearth task logs DEAL-ID:INDEX`: the settled task's stdout then stderr. A successful run's logs come from beside its
    /// result (fetched from the deal's result storage, sha256 and worker's RunLogs signature checked); a failure record's
    /// are the certified record's own.
    /// </summary>
    private static Command Logs(CommandEnvironment env)
    {
        var id = new Argument<string>("task") { Description = "DEAL-ID:INDEX." };
        var logs = new Command("logs", "The stdout and stderr of a settled task's run (verified), stdout first.") { id };
        logs.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(id)!;
            var (dealId, index) = ParseDealAndIndex(text);
            var network = env.Network(parse);
            if (string.IsNullOrEmpty(network.SchedulerUrl)) throw new CliException("the network profile names no scheduler: set SchedulerUrl or HEARTH_SCHEDULERURL");
            var chain = env.Reader(parse);
            var settled = (await chain.TasksSettledAsync(dealId, ct)).FirstOrDefault(s => (long)s.Task == index)
                ?? throw new CliException($"task {index} of deal {dealId} is not settled: its logs are shown once its result is certified on chain (`hearth task show {text}`)");
            var certified = new Hash32(settled.Digest);
            var locations = (await chain.ResultsStoredAsync(dealId, ct)).Select(r => r.Location).Distinct().ToList();
            if (locations.Count == 0) throw new CliException($"deal {dealId} names no result location");
            VerifiedRunLogs? found;
            try
            {
                found = await RunLogsReader.BesideResultAsync(chain, SchedulerReader.For(network.SchedulerUrl), dealId, index, certified, locations, ct);
                if (found is null)
                {
                    // No logs beside the result: a failure record holds its own.
                    var temp = Directory.CreateTempSubdirectory("hearth-logs-").FullName;
                    try
                    {
                        found = RunLogsReader.OfFailureRecord(index, certified, await RunLogsReader.UnpackResultAsync(locations, certified, temp, ct));
                    }
                    finally
                    {
                        Directory.Delete(temp, recursive: true);
                    }
                }
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or ResultArchiveException)
            {
                throw new CliException(e.Message);
            }
            if (found is null) throw new CliException($"task {index} of deal {dealId} has no logs: its workers sent none with the result");
            var view = RunLogsReader.ToView(found);
            var source = found.FromFailureRecord ? "the certified failure record" : $"worker {found.Worker}, logs {view.LogsDigest} (sha256 and signature checked)";
            env.Print(parse, view,
                $"# stdout of task {index} of deal {dealId} ({source}){(view.StdoutTruncated ? $" — truncated at {RunLogs.CaptureBytes} B" : "")}",
                view.Stdout.TrimEnd('\n'),
                $"# stderr{(view.StderrTruncated ? $" — truncated at {RunLogs.CaptureBytes} B" : "")}",
                view.Stderr.TrimEnd('\n'));
            return 0;
        });
        return logs;
    }

    public static Command Results(CommandEnvironment env)
    {
        var command = new Command("results", "Certified results.");
        var id = new Argument<string>("deal-id") { Description = "The deal's id." };
        var output = new Option<string>("--out") { Description = "Folder to unpack into.", DefaultValueFactory = _ => "results" };
        var get = new Command("get", "Download each settled task's archive, check its sha256 against the chain, unpack it.") { id, output };
        get.SetAction(async (parse, ct) =>
        {
            var dealId = DealCommands.ParseDealId(parse.GetValue(id)!);
            var network = env.Network(parse);
            var session = new RequesterSession(env.Reader(parse)) { Scheduler = network.SchedulerUrl is { Length: > 0 } url ? SchedulerReader.For(url) : null };
            var results = await session.DownloadAsync(dealId, Path.GetFullPath(parse.GetValue(output)!), ct);
            if (results.Count == 0) throw new CliException($"deal {dealId} has no settled task yet");
            env.Print(parse, results.Select(r => new
                {
                    task = r.Task, digest = r.Digest.ToPlainHex(), folder = r.Folder, archive = r.ArchivePath,
                    linksNotExtracted = r.LinksNotExtracted.Select(l => l.ToString()).ToList(), refused = r.Refused, logs = r.LogsPath, logsProblem = r.LogsProblem,
                }),
                results.SelectMany(ResultLines).ToArray());
            return results.All(r => r.Unpacked) ? 0 : 1;
        });
        command.Subcommands.Add(get);
        return command;
    }

    /// <summary>A task's result as `results get` and `run` show it: where it was unpacked, the links not extracted
    /// (links are listed, never created: the archive next to the folder keeps them), or why it was not unpacked.</summary>
    internal static IEnumerable<string> ResultLines(TaskResult r)
    {
        var digest = $"sha256 {r.Digest.ToPlainHex()} matches the chain";
        if (!r.Unpacked)
        {
            yield return $"task {r.Task}: not unpacked: {r.Refused} ({digest}; the archive is kept at {r.ArchivePath})";
            yield break;
        }
        if (r.Failure is { } failure)
        {
            var stderr = AppFailure.StderrTail(r.Folder);
            yield return $"task {r.Task}: failed by the app: {failure}{(stderr.Length > 0 ? $"; stderr: {stderr}" : "")} ({r.Folder}/{AppFailure.Folder} holds its logs; {digest})";
            yield break;
        }
        yield return $"task {r.Task}: {r.Folder} ({digest})";
        if (r.LogsPath is not null) yield return $"  logs in {r.LogsPath} (signed by the worker, not certified)";
        if (r.LogsProblem is not null) yield return $"  logs not kept: {r.LogsProblem}";
        if (ResultArchive.DescribeLinks(r.LinksNotExtracted) is { } links)
            yield return $"  {links} (links are never created; {Path.GetFileName(r.ArchivePath)} keeps them)";
    }

    private static Hash32 ParseTaskOfDeal(string text)
    {
        var (dealId, index) = ParseDealAndIndex(text);
        return Ids.TaskId(dealId, index);
    }

    private static (Hash32 DealId, long Index) ParseDealAndIndex(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[1], out var index) || index < 0) throw new CliException($"'{text}' is not DEAL-ID:INDEX");
        return (DealCommands.ParseDealId(parts[0]), index);
    }
}
