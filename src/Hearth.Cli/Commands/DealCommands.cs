using System.CommandLine;
using Hearth.Chain;
using Hearth.Protocol;

namespace Hearth.Cli.Commands;

/// <summary>`hearth deal show` and `hearth claim`: what the chain says about a deal, and refunds.</summary>
public static class DealCommands
{
    public static Command Create(CommandEnvironment env)
    {
        var deal = new Command("deal", "Deals on chain.");
        var id = new Argument<string>("deal-id") { Description = "The deal's id (0x + 64 hex digits)." };
        var show = new Command("show", "Terms, settled and refunded tasks, and where the results are.") { id };
        show.SetAction(async (parse, ct) =>
        {
            var dealId = ParseDealId(parse.GetValue(id)!);
            var reader = env.Reader(parse);
            var created = await reader.FindDealAsync(dealId, ct) ?? throw new CliException($"no deal {dealId} on this market");
            var d = created.Deal;
            var settled = await reader.TasksSettledAsync(dealId, ct);
            var refunded = await reader.TasksRefundedAsync(dealId, ct);
            var locations = (await reader.ResultsStoredAsync(dealId, ct)).Select(r => r.Location).Distinct().ToList();
            var deadline = DateTimeOffset.FromUnixTimeSeconds((long)d.Deadline);
            env.Print(parse, new
            {
                dealId = dealId.ToString(), app = d.App.ToString(), dataset = d.Dataset.ToString(), workerpool = d.Workerpool.ToString(),
                requester = d.Requester, volume = d.Volume, trust = d.Trust, category = d.Category, deadline,
                taskPrice = d.TaskPrice.ToString(), @params = created.Params,
                settled = settled.OrderBy(s => s.Task).Select(s => new { task = (long)s.Task, digest = new Hash32(s.Digest).ToPlainHex() }),
                refunded = refunded.Select(r => (long)r.Task).Order(), resultLocations = locations,
            },
                $"deal       {dealId}",
                $"app        {d.App}   dataset {(d.HasDataset ? d.Dataset.ToString() : "none")}   workerpool {d.Workerpool}",
                $"requester  {d.Requester}",
                $"tasks      {d.Volume} at {Tokens.Format(d.TaskPrice)} each, trust {d.Trust}, category {d.Category}",
                $"params     {created.Params}",
                $"deadline   {deadline:u}",
                $"settled    {settled.Count} of {d.Volume}; refunded {refunded.Count}",
                $"results    {(locations.Count == 0 ? "none yet" : string.Join(", ", locations))}");
            return 0;
        });
        deal.Subcommands.Add(show);
        return deal;
    }

    public static Command Claim(CommandEnvironment env)
    {
        var id = new Argument<string>("deal-id") { Description = "The deal's id." };
        var claim = new Command("claim", "After a deal's deadline, refund the price of its unsettled tasks to the requester (the pool's stake for them is seized).") { id };
        claim.SetAction(async (parse, ct) =>
        {
            var dealId = ParseDealId(parse.GetValue(id)!);
            var client = env.Client(parse);
            var created = await client.FindDealAsync(dealId, ct) ?? throw new CliException($"no deal {dealId} on this market");
            var d = created.Deal;
            if (DateTimeOffset.UtcNow < d.DeadlineTime)
                throw new CliException($"the deal's deadline is {d.DeadlineTime:u}: refunds can be claimed only after it");
            var done = (await client.TasksSettledAsync(dealId, ct)).Select(s => (long)s.Task)
                .Concat((await client.TasksRefundedAsync(dealId, ct)).Select(r => (long)r.Task)).ToHashSet();
            var open = Enumerable.Range(0, (int)d.Volume).Select(i => (long)i).Where(i => !done.Contains(i)).ToList();
            if (open.Count == 0) throw new CliException("every task of this deal is already settled or refunded");
            var tx = await client.ClaimAsync(d, dealId, open, ct);
            // Only the price comes back: were the pool's stake paid to the requester, failing its own tasks would pay.
            var refund = d.TaskPrice * open.Count;
            var seized = d.PoolStake * open.Count;
            env.Print(parse, new { tasks = open, refund = refund.ToString(), seized = seized.ToString(), transaction = tx.Hash },
                $"refunded {open.Count} tasks: {Tokens.Format(refund)} back to {d.Requester}; the pool's stake for them ({Tokens.Format(seized)}) is seized (transaction {tx.Hash})");
            return 0;
        });
        return claim;
    }

    public static Hash32 ParseDealId(string text) =>
        Hash32.TryParse(text, out var id) ? id : throw new CliException($"'{text}' is not a deal id (0x and 64 hex digits)");
}
