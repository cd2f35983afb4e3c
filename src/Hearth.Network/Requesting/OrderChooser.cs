using System.Numerics;
using Hearth.Chain;
using Hearth.Market.Book;
using Hearth.Market.Client;
using Hearth.Protocol;
using Hearth.Protocol.Orders;

namespace Hearth.Network.Requesting;

/// <summary>The cheapest compatible app, dataset and pool orders of the book for a request; when there is none,
/// an explanation naming the constraint that failed for the nearest orders.</summary>
public sealed record OrderChoice(MarketOrder App, MarketOrder? Dataset, MarketOrder Pool)
{
    public BigInteger TaskPrice =>
        ((AppOrder)App.Order).AppPrice + (Dataset is null ? 0 : ((DatasetOrder)Dataset.Order).DatasetPrice) + ((WorkerpoolOrder)Pool.Order).WorkerpoolPrice;
}

public static class OrderChooser
{
    private const int PageSize = 200;

    /// <param name="acceptsCallbacks">Whether a pool accepts requests with a callback (its registered policy), when known:
    /// a request with a callback never picks a pool that refuses them. Without it the match's CallbacksRefused says so.</param>
    public static async Task<OrderChoice> ChooseAsync(MarketClient market, RunRequest r, string requester, CancellationToken ct,
        Func<BigInteger, CancellationToken, Task<bool>>? acceptsCallbacks = null)
    {
        var apps = (await market.QueryAsync(OrderKind.App, new OrderQuery { App = r.App, PageSize = PageSize }, ct)).Items;
        var appProblems = new List<string>();
        var usableApps = apps.Where(o => Fits((AppOrder)o.Order, r, requester, appProblems)).ToList();
        if (usableApps.Count == 0)
            throw new NoMatchException(apps.Count == 0 ? $"no open order for app {r.App} on the market" : $"no usable order for app {r.App}: {Nearest(appProblems)}");

        IReadOnlyList<MarketOrder?> usableDatasets = [null];
        if (!r.Dataset.IsZero)
        {
            var datasets = (await market.QueryAsync(OrderKind.Dataset, new OrderQuery { Dataset = r.Dataset, PageSize = PageSize }, ct)).Items;
            var problems = new List<string>();
            usableDatasets = datasets.Where(o => Fits((DatasetOrder)o.Order, r, requester, problems)).ToList();
            if (usableDatasets.Count == 0)
                throw new NoMatchException(datasets.Count == 0 ? $"no open order for dataset {r.Dataset} on the market" : $"no usable order for dataset {r.Dataset}: {Nearest(problems)}");
        }

        // Pools that offer what the request asks, cheapest first (the book filters by tag); when none does, the others are
        // read to say what they lack.
        var poolQuery = new OrderQuery { Category = r.Category, Workerpool = r.Workerpool.IsZero ? null : r.Workerpool, PageSize = PageSize };
        var needs = ResourceTag.Asking(r.Needs);
        var pools = (await market.QueryAsync(OrderKind.Workerpool, poolQuery with { Tag = needs.Any(b => b != 0) ? needs : null }, ct)).Items;
        if (pools.Count == 0 && needs.Any(b => b != 0))
            pools = (await market.QueryAsync(OrderKind.Workerpool, poolQuery, ct)).Items;
        var poolProblems = new List<string>();
        var usablePools = pools.Where(o => Fits((WorkerpoolOrder)o.Order, r, requester, poolProblems)).ToList();
        if (!Addresses.IsZero(r.Callback) && acceptsCallbacks is not null)
            usablePools = await AcceptingCallbacksAsync(usablePools, acceptsCallbacks, poolProblems, ct);
        if (usablePools.Count == 0)
            throw new NoMatchException(pools.Count == 0 ? $"no open workerpool order in category {r.Category} on the market" : $"no usable workerpool order: {Nearest(poolProblems)}");

        OrderChoice? best = null;
        var tagProblems = new List<string>();
        foreach (var app in usableApps)
        foreach (var dataset in usableDatasets)
        foreach (var pool in usablePools)
        {
            var choice = new OrderChoice(app, dataset, pool);
            var a = (AppOrder)app.Order;
            var p = (WorkerpoolOrder)pool.Order;
            var d = dataset?.Order as DatasetOrder;
            if (!a.DatasetRestrict.IsZero && a.DatasetRestrict != r.Dataset) { tagProblems.Add($"the app order is restricted to dataset {a.DatasetRestrict}"); continue; }
            if (!a.WorkerpoolRestrict.IsZero && a.WorkerpoolRestrict != p.Workerpool) { tagProblems.Add($"the app order is restricted to workerpool {a.WorkerpoolRestrict}"); continue; }
            if (d is not null && !d.WorkerpoolRestrict.IsZero && d.WorkerpoolRestrict != p.Workerpool) { tagProblems.Add($"the dataset order is restricted to workerpool {d.WorkerpoolRestrict}"); continue; }
            if (!p.DatasetRestrict.IsZero && p.DatasetRestrict != r.Dataset) { tagProblems.Add($"workerpool {p.Workerpool}'s order is restricted to dataset {p.DatasetRestrict}"); continue; }
            if (ResourceTag.Shortfall(Asked(a, d, r), p.Tag) is { } shortfall) { tagProblems.Add($"workerpool {p.Workerpool} does not give what the app, dataset or request asks ({shortfall})"); continue; }
            if (r.MaxTaskPrice is { } max && choice.TaskPrice > max) { tagProblems.Add($"the cheapest combination costs {Tokens.Format(choice.TaskPrice)} per task, above your maximum of {Tokens.Format(max)}"); continue; }
            if (best is null || choice.TaskPrice < best.TaskPrice) best = choice;
        }
        return best ?? throw new NoMatchException($"no compatible combination of orders: {Nearest(tagProblems)}");
    }

    private static bool Fits(AppOrder o, RunRequest r, string requester, List<string> problems) =>
        Check(problems, Addresses.IsZero(o.RequesterRestrict) || Addresses.AreEqual(o.RequesterRestrict, requester), $"the app order is restricted to requester {o.RequesterRestrict}");

    private static bool Fits(DatasetOrder o, RunRequest r, string requester, List<string> problems) =>
        Check(problems, o.AppRestrict.IsZero || o.AppRestrict == r.App, $"the dataset order is restricted to app {o.AppRestrict}") &&
        Check(problems, Addresses.IsZero(o.RequesterRestrict) || Addresses.AreEqual(o.RequesterRestrict, requester), $"the dataset order is restricted to requester {o.RequesterRestrict}");

    private static bool Fits(WorkerpoolOrder o, RunRequest r, string requester, List<string> problems)
    {
        var offered = o.Trust.IsZero ? 1 : o.Trust;
        return Check(problems, offered >= Math.Max(r.Trust, 1u), $"workerpool {o.Workerpool} offers trust up to {offered}, you asked for {r.Trust}") &&
            Check(problems, o.AppRestrict.IsZero || o.AppRestrict == r.App, $"workerpool {o.Workerpool}'s order is restricted to app {o.AppRestrict}") &&
            Check(problems, Addresses.IsZero(o.RequesterRestrict) || Addresses.AreEqual(o.RequesterRestrict, requester), $"workerpool {o.Workerpool}'s order is restricted to requester {o.RequesterRestrict}");
    }

    /// <summary>The pool orders whose pool accepts callbacks; each pool's policy is read once.</summary>
    private static async Task<List<MarketOrder>> AcceptingCallbacksAsync(List<MarketOrder> pools, Func<BigInteger, CancellationToken, Task<bool>> acceptsCallbacks,
        List<string> problems, CancellationToken ct)
    {
        var accepting = new Dictionary<BigInteger, bool>();
        var kept = new List<MarketOrder>();
        foreach (var order in pools)
        {
            var id = ((WorkerpoolOrder)order.Order).Workerpool;
            if (!accepting.TryGetValue(id, out var accepts)) accepting[id] = accepts = await acceptsCallbacks(id, ct);
            if (Check(problems, accepts, $"workerpool {id} does not accept requests with a callback")) kept.Add(order);
        }
        return kept;
    }

    private static bool Check(List<string> problems, bool ok, string problem)
    {
        if (!ok) problems.Add(problem);
        return ok;
    }

    /// <summary>The tag bits the app, the dataset and the request ask for, as the market combines them.</summary>
    private static byte[] Asked(AppOrder app, DatasetOrder? dataset, RunRequest r)
    {
        var asked = ResourceTag.Combine(app.Tag, ResourceTag.Asking(r.Needs));
        return dataset is null ? asked : ResourceTag.Combine(asked, dataset.Tag);
    }

    private static string Nearest(List<string> problems) =>
        problems.Count == 0 ? "none fits" : string.Join("; ", problems.Distinct().Take(3));
}
