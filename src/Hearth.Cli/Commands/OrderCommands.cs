using System.CommandLine;
using System.Numerics;
using Hearth.Chain;
using Hearth.Market.Book;
using Hearth.Market.Client;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Cli.Commands;

/// <summary>`hearth order publish|list|cancel`: signed offers on the order book.</summary>
public static class OrderCommands
{
    public static Command Create(CommandEnvironment env)
    {
        var command = new Command("order", "Signed orders on the order book.");
        command.Subcommands.Add(Publish(env));
        command.Subcommands.Add(List(env));
        command.Subcommands.Add(Cancel(env));
        return command;
    }

    private static Command Publish(CommandEnvironment env)
    {
        var kind = new Argument<string>("kind") { Description = "app, dataset or workerpool." };
        var id = new Argument<string>("id") { Description = "The asset's id." };
        var price = new Option<decimal>("--price") { Description = "Price per task in HRTH.", Required = true };
        var volume = new Option<long>("--volume") { Description = "How many tasks the order sells.", DefaultValueFactory = _ => 1000 };
        var trust = new Option<long>("--trust") { Description = "Workerpool orders: highest trust offered.", DefaultValueFactory = _ => 10 };
        var category = new Option<long>("--category") { Description = "Workerpool orders: the time category.", DefaultValueFactory = _ => 0 };
        var requester = new Option<string?>("--requester") { Description = "Sell only to this requester." };
        var heatPriced = new Option<bool>("--heat-priced") { Description = "Workerpool orders: lower the price by the pool's heat demand (boilers that want heat sell computing cheaper); --price is the price with no demand." };
        var resources = new ResourceOptions("each task needs (app and dataset orders), or the most a task gets (workerpool orders)");
        var publish = new Command("publish", "Sign an order for one of your assets and publish it.") { kind, id, price, volume, trust, category, requester, heatPriced };
        foreach (var option in resources.All) publish.Options.Add(option);
        publish.SetAction(async (parse, ct) =>
        {
            var k = ParseKind(parse.GetValue(kind)!);
            var assetId = AssetCommands.ParseId(parse.GetValue(id)!, parse.GetValue(kind)!);
            var p = parse.GetValue(price);
            if (p < 0) throw new CliException("--price cannot be negative");
            var v = parse.GetValue(volume);
            if (v < 1) throw new CliException("--volume must be at least 1");
            var network = env.Network(parse);
            if (parse.GetValue(heatPriced))
            {
                if (k != OrderKind.Workerpool) throw new CliException("--heat-priced applies to workerpool orders");
                var (heatPrice, line) = await HeatPrice.ComputeAsync(network, p, ct);
                env.Context.Out.WriteLine(line);
                p = heatPrice;
            }
            var only = parse.GetValue(requester) ?? Hearth.Protocol.Addresses.Zero;
            if (!Hearth.Protocol.Addresses.IsValid(only)) throw new CliException($"--requester {only} is not an address");
            // An app or a dataset asks for the resources its tasks need; a pool offers every tier up to what it gives.
            var sizes = resources.Read(parse);
            var tag = k == OrderKind.Workerpool ? ResourceOptions.Offering(sizes) : ResourceOptions.Asking(sizes);
            IOrder order = k switch
            {
                OrderKind.App => new AppOrder { App = assetId, AppPrice = Tokens.FromHrth(p), Volume = v, RequesterRestrict = only, Tag = tag, Salt = Salt.New() },
                OrderKind.Dataset => new DatasetOrder { Dataset = assetId, DatasetPrice = Tokens.FromHrth(p), Volume = v, RequesterRestrict = only, Tag = tag, Salt = Salt.New() },
                _ => new WorkerpoolOrder { Workerpool = assetId, WorkerpoolPrice = Tokens.FromHrth(p), Volume = v, Trust = parse.GetValue(trust), Category = parse.GetValue(category), RequesterRestrict = only, Tag = tag, Salt = Salt.New() },
            };
            var key = new EthECKey(env.PrivateKey(parse));
            var signature = Signatures.Sign(order, new Eip712Domain(network.ChainId, network.Market), key);
            var published = await MarketOf(network).PublishAsync(order, signature, ct);
            env.Print(parse, new { orderHash = published.OrderHash, remaining = published.Remaining.ToString() }, $"published {parse.GetValue(kind)} order {published.OrderHash} ({published.Remaining} tasks at {p} HRTH)");
            return 0;
        });
        return publish;
    }

    private static Command List(CommandEnvironment env)
    {
        var kind = new Argument<string>("kind") { Description = "app, dataset, workerpool or request." };
        var asset = new Option<string?>("--asset") { Description = "Only orders for this asset id." };
        var resources = new ResourceOptions("a task needs (workerpool orders: only pools that give it)");
        var list = new Command("list", "Open orders, cheapest first.") { kind, asset };
        foreach (var option in resources.All) list.Options.Add(option);
        list.SetAction(async (parse, ct) =>
        {
            var k = ParseKind(parse.GetValue(kind)!, allowRequest: true);
            BigInteger? id = parse.GetValue(asset) is { } a ? AssetCommands.ParseId(a, "asset") : null;
            var needs = ResourceOptions.Asking(resources.Read(parse));
            if (needs.Any(b => b != 0) && k != OrderKind.Workerpool) throw new CliException("--memory, --output-size and --scratch filter workerpool orders");
            var query = k switch
            {
                OrderKind.App => new OrderQuery { App = id },
                OrderKind.Dataset => new OrderQuery { Dataset = id },
                OrderKind.Workerpool => new OrderQuery { Workerpool = id, Tag = needs.Any(b => b != 0) ? needs : null },
                _ => new OrderQuery { App = id },
            };
            var page = await MarketOf(env.Network(parse)).QueryAsync(k, query, ct);
            env.Print(parse, page.Items.Select(o => new { orderHash = o.OrderHash, signer = o.Signer, price = Price(o.Order).ToString(), remaining = o.Remaining.ToString(), status = o.Status.ToString() }),
                page.Items.Count == 0 ? ["no open order"] : page.Items.Select(o => $"{o.OrderHash}  {Tokens.Format(Price(o.Order)),14}  {o.Remaining,8} left  {Describe(o.Order)}").ToArray());
            return 0;
        });
        return list;
    }

    private static Command Cancel(CommandEnvironment env)
    {
        var kind = new Argument<string>("kind") { Description = "app, dataset, workerpool or request." };
        var hash = new Argument<string>("order-hash") { Description = "The order's hash, as the book lists it." };
        var cancel = new Command("cancel", "Cancel one of your orders on chain (the book notices).") { kind, hash };
        cancel.SetAction(async (parse, ct) =>
        {
            var k = ParseKind(parse.GetValue(kind)!, allowRequest: true);
            var network = env.Network(parse);
            var order = await MarketOf(network).GetAsync(k, parse.GetValue(hash)!, ct) ?? throw new CliException($"the order book has no {parse.GetValue(kind)} order {parse.GetValue(hash)}");
            var tx = await env.Client(parse).CancelAsync(order.Order, ct);
            env.Print(parse, new { transaction = tx.Hash }, $"cancelled order {order.OrderHash}");
            return 0;
        });
        return cancel;
    }

    private static BigInteger Price(IOrder order) => order switch
    {
        AppOrder a => a.AppPrice,
        DatasetOrder d => d.DatasetPrice,
        WorkerpoolOrder w => w.WorkerpoolPrice,
        RequestOrder r => r.AppMaxPrice + r.DatasetMaxPrice + r.WorkerpoolMaxPrice,
        _ => 0,
    };

    private static string Describe(IOrder order) => order switch
    {
        AppOrder a => $"app {a.App}",
        DatasetOrder d => $"dataset {d.Dataset}",
        WorkerpoolOrder w => $"workerpool {w.Workerpool}, category {w.Category}, trust up to {w.Trust}, {Gives(w.Tag)}",
        RequestOrder r => $"request for app {r.App}, {r.Volume} tasks",
        _ => "",
    };

    /// <summary>"gives memory 1 GiB, output 256 MiB, scratch 4 GiB": the largest tier a pool order offers of each.</summary>
    private static string Gives(byte[] tag)
    {
        var limits = ResourceTag.LimitsOf(tag);
        return $"gives memory {ResourceTag.Format(limits.MemoryBytes!.Value)}, output {ResourceTag.Format(limits.OutputBytes!.Value)}, scratch {ResourceTag.Format(limits.ScratchBytes!.Value)}";
    }

    private static OrderKind ParseKind(string text, bool allowRequest = false) => text.ToLowerInvariant() switch
    {
        "app" => OrderKind.App,
        "dataset" => OrderKind.Dataset,
        "workerpool" or "pool" => OrderKind.Workerpool,
        "request" when allowRequest => OrderKind.Request,
        _ => throw new CliException($"'{text}' is not an order kind (app, dataset, workerpool{(allowRequest ? ", request" : "")})"),
    };

    private static MarketClient MarketOf(Config.NetworkProfile network) =>
        string.IsNullOrEmpty(network.MarketUrl)
            ? throw new CliException("the network profile names no market: set MarketUrl or HEARTH_MARKETURL")
            : new MarketClient(new HttpClient { BaseAddress = new Uri(network.MarketUrl.TrimEnd('/') + "/") });
}
