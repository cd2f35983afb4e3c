using System.CommandLine;
using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Protocol;
using Nethereum.RPC.Eth.DTOs;

namespace Hearth.Cli.Commands;

/// <summary>`hearth deal show`, `hearth deal list` and `hearth claim`: what the chain says about deals, and refunds.</summary>
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
        deal.Subcommands.Add(List(env));
        return deal;
    }

    /// <summary>Blocks read by one eth_getLogs request: endpoints refuse, or time out on, unbounded ranges.</summary>
    public const long BlocksPerQuery = 10_000;

    /// <summary>`hearth deal list`: the deals whose requester is the wallet (or --requester), oldest first, read from the
    /// chain's DealCreated events (filtered by their indexed requester), with their settled and refunded tasks.</summary>
    private static Command List(CommandEnvironment env)
    {
        var requester = new Option<string?>("--requester") { Description = "List this address's deals instead of the wallet's." };
        var list = new Command("list", "Your deals (the wallet's, as requester): id, app, volume, tasks settled and refunded, created block.") { requester };
        list.SetAction(async (parse, ct) =>
        {
            var address = parse.GetValue(requester)
                ?? env.Wallets.Find(parse.GetValue(CommandEnvironment.WalletOption) ?? env.Context.Environment("HEARTH_WALLET")).Address;
            if (!Addresses.IsValid(address)) throw new CliException($"--requester {address} is not an address");
            var reader = env.Reader(parse);
            var first = reader.Deployment.Block;
            var last = await reader.BlockNumberAsync(ct);
            var requesterTopic = "0x" + new string('0', 24) + address[2..].ToLowerInvariant();
            var created = await LogsAsync<DealCreatedEvent>(reader, [null, null, requesterTopic], first, last, ct);

            var settled = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var refunded = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var batch in created.Chunk(50))
            {
                object[] ids = batch.Select(d => (object)new Hash32(d.Event.DealId).ToString()).ToArray();
                var from = batch.Min(d => (long)d.Log.BlockNumber.Value);
                foreach (var s in await LogsAsync<TaskSettledEvent>(reader, [ids], from, last, ct))
                    settled[new Hash32(s.Event.DealId).ToString()] = settled.GetValueOrDefault(new Hash32(s.Event.DealId).ToString()) + 1;
                foreach (var r in await LogsAsync<TaskRefundedEvent>(reader, [ids], from, last, ct))
                    refunded[new Hash32(r.Event.DealId).ToString()] = refunded.GetValueOrDefault(new Hash32(r.Event.DealId).ToString()) + 1;
            }
            var deals = created.Select(c =>
            {
                var id = new Hash32(c.Event.DealId).ToString();
                return new DealLine(id, c.Event.Deal.App.ToString(), c.Event.Deal.Volume, settled.GetValueOrDefault(id), refunded.GetValueOrDefault(id), (long)c.Log.BlockNumber.Value);
            }).ToList();
            env.Print(parse, new { requester = address, deals },
                deals.Count == 0
                    ? [$"no deals requested by {address} on this market"]
                    : [$"{"deal",-66}  {"app",6}  {"volume",6}  {"settled",7}  {"refunded",8}  {"block",8}",
                       .. deals.Select(d => $"{d.DealId,-66}  {d.App,6}  {d.Volume,6}  {d.Settled,7}  {d.Refunded,8}  {d.CreatedBlock,8}")]);
            return 0;
        });
        return list;
    }

    public sealed record DealLine(string DealId, string App, long Volume, int Settled, int Refunded, long CreatedBlock);

    /// <summary>The market's events of type <typeparamref name="T"/> in blocks <paramref name="from"/> to <paramref name="to"/>,
    /// read <see cref="BlocksPerQuery"/> blocks at a time; <paramref name="topics"/> are the indexed topics after the
    /// event's signature (null: any; an array: any of them).</summary>
    private static async Task<List<Nethereum.Contracts.EventLog<T>>> LogsAsync<T>(HearthClient client, object?[] topics, long from, long to, CancellationToken ct)
        where T : Nethereum.ABI.FunctionEncoding.Attributes.IEventDTO, new()
    {
        var ev = client.MarketContract.GetEvent<T>();
        var all = new List<Nethereum.Contracts.EventLog<T>>();
        for (var start = from; start <= to; start += BlocksPerQuery)
        {
            ct.ThrowIfCancellationRequested();
            var filter = ev.CreateFilterInput(new BlockParameter((ulong)start), new BlockParameter((ulong)Math.Min(to, start + BlocksPerQuery - 1)));
            filter.Topics = [filter.Topics[0], .. topics];
            try
            {
                all.AddRange(await ev.GetAllChangesAsync(filter));
            }
            catch (Nethereum.JsonRpc.Client.RpcClientUnknownException e)
            {
                throw new Hearth.Chain.Transactions.ChainUnreachableException($"reading the market's events: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
            }
        }
        return all;
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
