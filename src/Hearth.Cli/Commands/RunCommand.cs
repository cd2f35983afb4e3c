using System.CommandLine;
using System.Numerics;
using Hearth.Chain;
using Hearth.Market.Client;
using Hearth.Network.Requesting;
using Hearth.Protocol;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary>`hearth run`: choose the cheapest compatible orders, match, follow every task until certified, then
/// download and verify the results.</summary>
public static class RunCommand
{
    public static Command Create(CommandEnvironment env)
    {
        var app = new Argument<string?>("app") { Description = "The app's id (optional with -f: the job file's app).", Arity = ArgumentArity.ZeroOrOne };
        var jobFile = new Option<string?>("--file", "-f") { Description = "A job file (YAML, or JSON if it ends in .json) with the run's fields: app, dataset, workerpool, params, volume, trust, category, max-price, out, callback, memory, output-size, scratch, inputs, tasks. Options given here override it." };
        var dataset = new Option<string?>("--dataset") { Description = "A dataset's id." };
        var volume = new Option<int>("--volume") { Description = "Number of tasks.", DefaultValueFactory = _ => 1 };
        var trust = new Option<uint>("--trust") { Description = "Replication: 1 trusts one worker; higher asks for agreeing workers.", DefaultValueFactory = _ => 1 };
        var parameters = new Option<string>("--params") { Description = "Arguments given to the app (words, or JSON {\"args\":[..],\"env\":{..}}).", DefaultValueFactory = _ => "" };
        var maxPrice = new Option<decimal?>("--max-price") { Description = "Highest total price per task, in HRTH." };
        var pool = new Option<string?>("--workerpool") { Description = "Only this workerpool." };
        var category = new Option<long>("--category") { Description = "Time category (0: 300 s per task).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Folder for the verified results.", DefaultValueFactory = _ => "results" };
        var callback = new Option<string?>("--callback") { Description = "A contract called with each task's result (only pools that accept callbacks take the request)." };
        var inputs = new Option<string?>("--inputs") { Description = "A folder of input files, one per task (task i sees the i-th in name order as /in/NAME): uploaded, listed and pinned in the params; the volume is their number." };
        var noClaim = new Option<bool>("--no-claim") { Description = "At the deadline, leave the refund of unsettled tasks to `hearth deal claim` instead of claiming it." };
        var resources = new ResourceOptions("each task needs");
        var command = new Command("run", "Run an app on the market and fetch its certified results.") { app, jobFile, dataset, volume, trust, parameters, maxPrice, pool, category, output, callback, noClaim, inputs };
        foreach (var option in resources.All) command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            // A job file (-f) gives the values of the options not written on the command line.
            var job = parse.GetValue(jobFile) is { } jobPath ? JobFile.Load(jobPath) : new JobFile();
            var appId = parse.GetValue(app) ?? job.App ?? throw new CliException("name the app: `hearth run <app-id>`, or a job file with an app field (`hearth run -f job.yaml`)");
            var request = new RunRequest
            {
                App = AssetCommands.ParseId(appId, "app"),
                Dataset = (JobFile.Given(parse, dataset) ? parse.GetValue(dataset) : job.Dataset ?? parse.GetValue(dataset)) is { } ds ? AssetCommands.ParseId(ds, "dataset") : 0,
                Workerpool = (JobFile.Given(parse, pool) ? parse.GetValue(pool) : job.Workerpool ?? parse.GetValue(pool)) is { } wp ? AssetCommands.ParseId(wp, "workerpool") : 0,
                Volume = JobFile.Given(parse, volume) ? parse.GetValue(volume) : job.Volume ?? parse.GetValue(volume),
                Trust = JobFile.Given(parse, trust) ? parse.GetValue(trust) : job.Trust ?? parse.GetValue(trust),
                Category = JobFile.Given(parse, category) ? parse.GetValue(category) : job.Category ?? parse.GetValue(category),
                Params = (JobFile.Given(parse, parameters) ? parse.GetValue(parameters) : job.Params ?? parse.GetValue(parameters)) ?? "",
                MaxTaskPrice = (JobFile.Given(parse, maxPrice) ? parse.GetValue(maxPrice) : job.MaxPrice ?? parse.GetValue(maxPrice)) is { } m ? Tokens.FromHrth(m) : null,
                Callback = (JobFile.Given(parse, callback) ? parse.GetValue(callback) : job.Callback ?? parse.GetValue(callback)) ?? Addresses.Zero,
                Needs = resources.Read(parse, job),
            };
            if (parse.GetValue(inputs) is not null && job.Tasks is not null)
                throw new CliException("--inputs and the job file's 'tasks' both give the tasks: give one of them");
            if ((parse.GetValue(inputs) is { } folder ? new TaskInputsSource(Path.GetFullPath(folder), null) : job.Inputs ?? job.Tasks) is { } source)
            {
                var explicitVolume = JobFile.Given(parse, volume) || job.Volume is not null;
                if (explicitVolume && source.Tasks is not null) CheckVolume(request.Volume, source.Tasks.Count, source.What); // before any upload
                var (pinned, count) = await TaskInputsUpload.PrepareAsync(AssetCommands.StorageOf(env.Network(parse)), source, request.Params, ct);
                if (explicitVolume) CheckVolume(request.Volume, count, source.What);
                request = request with { Params = pinned, Volume = count };
            }
            ResourceOptions.Asking(request.Needs); // a size beyond the largest tier is refused before anything is sent
            var outFolder = JobFile.Given(parse, output) ? parse.GetValue(output)! : job.Out ?? parse.GetValue(output)!;
            if (request.MaxTaskPrice < 0) throw new CliException("--max-price must not be negative");
            if (!Addresses.IsValid(request.Callback)) throw new CliException($"--callback {request.Callback} is not an address");
            if (request.Volume is < 1 or > 100_000) throw new CliException("--volume must be between 1 and 100000");
            if (request.Trust is 0 or > 10_000) throw new CliException("--trust must be between 1 and 10000");
            RunSummary summary;
            try
            {
                summary = await RunAsync(env, parse, request, outFolder, live: !env.Json(parse), claim: !parse.GetValue(noClaim), ct);
            }
            catch (RunInterruptedException e)
            {
                // Ctrl-C or SIGTERM: the deal is on chain and goes on; one line says how to find it again.
                await env.Context.Error.WriteLineAsync($"interrupted: deal {e.DealId} goes on without this command; follow it with `hearth deal show {e.DealId}` and fetch its results with `hearth results get {e.DealId}`");
                return 130;
            }
            env.Print(parse, summary, summary.Lines());
            return summary.Settled == request.Volume && summary.NotUnpacked == 0 && summary.FailedByApp == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>What a run did; <see cref="ResultNotes"/> names the tasks whose archive held links (listed, never
    /// created), was not unpacked (<see cref="NotUnpacked"/> of them), or is the program's own failure
    /// (<see cref="FailedByApp"/> of them: a certified <see cref="Hearth.Protocol.Deals.AppFailure"/>).</summary>
    private static void CheckVolume(int volume, int count, string what)
    {
        if (volume != count) throw new CliException($"the volume ({volume}) differs from the number of {what} ({count}): leave the volume out, the {what} give it");
    }

    public sealed record RunSummary(string DealId, int Volume, int Settled, int Refunded, string TaskPrice, string Total, double WallSeconds, long MatchGas, string ResultsFolder, IReadOnlyList<string> Digests,
        int NotUnpacked, IReadOnlyList<string> ResultNotes, int FailedByApp = 0)
    {
        public string[] Lines() =>
        [
            $"deal       {DealId}",
            $"tasks      {Settled} of {Volume} certified on chain{(FailedByApp > 0 ? $" ({FailedByApp} failed by the app)" : "")}{(Refunded > 0 ? $", {Refunded} refunded" : "")}",
            $"paid       {Total} ({TaskPrice} per task); matching cost {MatchGas} gas",
            $"wall time  {WallSeconds:F1} s",
            $"results    {ResultsFolder} (each archive's sha256 checked against the chain){(NotUnpacked > 0 ? $"; {NotUnpacked} not unpacked" : "")}",
            .. ResultNotes,
        ];
    }

    /// <summary>The command was stopped (Ctrl-C, SIGTERM) after its deal was matched: the deal goes on.</summary>
    public sealed class RunInterruptedException(Hash32 dealId, Exception inner) : Exception($"interrupted while following deal {dealId}", inner)
    {
        public Hash32 DealId { get; } = dealId;
    }

    public static async Task<RunSummary> RunAsync(CommandEnvironment env, ParseResult parse, RunRequest request, string outFolder, bool live, CancellationToken ct) =>
        await RunAsync(env, parse, request, outFolder, live, claim: true, ct);

    /// <summary>
    /// Chooses, matches, follows the deal to its end, claims the refund of what the deadline left unsettled (unless
    /// <paramref name="claim"/> is false), then downloads the results. Text lines go to stdout, or to stderr with --json
    /// so that stdout holds the JSON alone. Stopped after the match, it throws <see cref="RunInterruptedException"/>.
    /// </summary>
    public static async Task<RunSummary> RunAsync(CommandEnvironment env, ParseResult parse, RunRequest request, string outFolder, bool live, bool claim, CancellationToken ct)
    {
        var text = env.Json(parse) ? env.Context.Error : env.Context.Out;
        var network = env.Network(parse);
        if (string.IsNullOrEmpty(network.MarketUrl)) throw new CliException("the network profile names no market: set MarketUrl or HEARTH_MARKETURL");
        var client = env.Client(parse);
        var market = new MarketClient(new HttpClient { BaseAddress = new Uri(network.MarketUrl.TrimEnd('/') + "/") });
        var scheduler = network.SchedulerUrl is { Length: > 0 } url ? SchedulerReader.For(url) : null;
        // With the scheduler known, each successful task's verified logs land beside its result (task-N.logs.json).
        var session = new RequesterSession(client, market) { Scheduler = scheduler };
        var started = DateTimeOffset.UtcNow;

        OrderChoice choice;
        try
        {
            choice = await session.ChooseAsync(request, ct);
        }
        catch (NoMatchException e)
        {
            throw new CliException($"nothing matches: {e.Message}");
        }
        catch (MarketUnreachableException e)
        {
            throw new CliException(e.Message);
        }
        var cost = choice.TaskPrice * request.Volume;
        var account = await client.GetAccountAsync(client.Address, ct);
        if (account.Balance < cost)
            throw new CliException($"this run costs {Tokens.Format(cost)} but your escrow has {Tokens.Format(account.Balance)} free: `hearth account deposit {Tokens.Format(cost - account.Balance).Replace(" HRTH", "")}`");

        var match = await session.MatchAsync(request, choice, ct);
        text.WriteLine($"deal {match.DealId}: {match.Deal.Volume} tasks on workerpool {match.Deal.Workerpool} at {Tokens.Format(match.Deal.TaskPrice)} per task");
        DealProgress progress;
        IReadOnlyList<TaskResult> results;
        try
        {
            progress = await FollowAsync(env, session, scheduler, match.DealId, match.Deal, live, ct);
            if (claim) progress = await ClaimRefundAsync(client, text, match, progress, ct);
            results = await session.DownloadAsync(match.DealId, Path.GetFullPath(outFolder), ct);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            throw new RunInterruptedException(match.DealId, e);
        }
        return new RunSummary(match.DealId.ToString(), (int)match.Deal.Volume, progress.Settled.Count, progress.Refunded.Count,
            Tokens.Format(match.Deal.TaskPrice), Tokens.Format(match.Deal.TaskPrice * progress.Settled.Count),
            (DateTimeOffset.UtcNow - started).TotalSeconds, match.Transaction.GasUsed, Path.GetFullPath(outFolder),
            results.Select(r => r.Digest.ToPlainHex()).ToList(), results.Count(r => !r.Unpacked),
            results.Where(r => !r.Unpacked || r.LinksNotExtracted.Count > 0 || r.Failure is not null).SelectMany(TaskCommands.ResultLines).ToList(),
            results.Count(r => r.Failure is not null));
    }

    /// <summary>
    /// After the deadline, refunds the price of the tasks left unsettled (the pool's stake for them is seized). The chain's
    /// clock may lag this machine's: a claim it refuses as too early is retried for a minute, then left to `hearth deal claim`.
    /// </summary>
    private static async Task<DealProgress> ClaimRefundAsync(Hearth.Chain.Market.HearthClient client, TextWriter text, Hearth.Chain.Market.MatchResult match, DealProgress progress, CancellationToken ct)
    {
        var open = Enumerable.Range(0, progress.Volume).Select(i => (long)i).Where(i => !progress.Settled.ContainsKey(i) && !progress.Refunded.Contains(i)).ToList();
        if (!progress.DeadlinePassed || open.Count == 0) return progress;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var tx = await client.ClaimAsync(match.Deal, match.DealId, open, ct);
                text.WriteLine($"refunded {open.Count} unsettled task(s): {Tokens.Format(match.Deal.TaskPrice * open.Count)} back (transaction {tx.Hash})");
                return progress with { Refunded = new HashSet<long>(progress.Refunded.Concat(open)) };
            }
            catch (Hearth.Chain.Transactions.ContractRevertException e) when (e.ErrorName == "DeadlineNotReached" && attempt < 12)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
            }
            catch (Hearth.Chain.Transactions.ContractRevertException e)
            {
                text.WriteLine($"the refund of {open.Count} unsettled task(s) was not claimed ({e.Message}): `hearth deal claim {match.DealId}` claims it");
                return progress;
            }
        }
    }

    /// <summary>A progress bar per task on a terminal; elsewhere a line each time the count of certified tasks moves.</summary>
    private static async Task<DealProgress> FollowAsync(CommandEnvironment env, RequesterSession session, SchedulerReader? scheduler, Hash32 dealId, Hearth.Protocol.Deals.Deal deal, bool live, CancellationToken ct)
    {
        if (!env.Context.Interactive || !live)
        {
            var reported = -1;
            return await session.FollowAsync(dealId, deal, p =>
            {
                if (live && p.Settled.Count != reported) env.Context.Out.WriteLine($"{p.Settled.Count}/{p.Volume} tasks certified");
                reported = p.Settled.Count;
                return Task.CompletedTask;
            }, ct);
        }
        DealProgress? last = null;
        await AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bars = Enumerable.Range(0, (int)deal.Volume).Take(40).Select(i => context.AddTask($"task {i}: waiting", maxValue: 1)).ToList();
                last = await session.FollowAsync(dealId, deal, async p =>
                {
                    var view = scheduler is null ? null : await scheduler.DealAsync(dealId.ToString(), ct);
                    for (var i = 0; i < bars.Count; i++)
                    {
                        var status = p.Settled.ContainsKey(i) ? "certified on chain" : p.Refunded.Contains(i) ? "refunded"
                            : view?.Tasks.FirstOrDefault(t => t.Index == i) is { } t ? $"{t.Status.ToLowerInvariant()}: {t.Reason}" : "waiting";
                        bars[i].Description = Markup.Escape($"task {i}: {status}");
                        bars[i].Value = p.Settled.ContainsKey(i) || p.Refunded.Contains(i) ? 1 : 0;
                    }
                }, ct);
            });
        return last!;
    }
}
