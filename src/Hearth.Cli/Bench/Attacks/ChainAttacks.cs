using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>A scheduler certifies a made-up result at trust 1,000 with fourteen keys it just generated, holding no stake.</summary>
internal sealed class FabricatedKeysAttack : IAttack
{
    public string Name => "fabricated-keys";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var attacker = await Attacker.EnterAsync(net, ct);
        var deal = await attacker.SelfDealAsync(volume: 1, trust: 1_000, poolPrice: 0, ct);
        var madeUp = Hash32.Sha256("a result nobody computed"u8);
        var keys = Enumerable.Range(0, 14).Select(_ => EthECKey.GenerateKey()).ToList();
        var contributions = keys.Select(k => Attacker.Contribute(attacker.Client.Domain, deal.DealId, 0, madeUp, k)).ToList();
        var refused = await Attacker.RefusedAsync(() => attacker.Client.SettleAsync(deal.Deal, deal.DealId, contributions, "", ct));
        var certified = await attacker.Client.IsTaskDoneAsync(deal.DealId, 0, ct);
        return new AttackOutcome(Name,
            "settled a trust-1,000 task of a zero-stake pool with 14 fresh, unfunded keys agreeing on a made-up digest",
            refused is null ? "the settlement went through" : $"refused: {refused}; task certified: {certified}",
            refused == "InsufficientStake" && !certified);
    }
}

/// <summary>Three keys with one minimum stake each back every contribution of a four-task settlement.</summary>
internal sealed class OneStakeManyContributionsAttack : IAttack
{
    public string Name => "one-stake-many-contributions";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var attacker = await Attacker.EnterAsync(net, ct);
        var minimum = await attacker.Client.MinWorkerStakeAsync(ct);
        var sybils = new List<EthECKey>();
        for (var i = 0; i < 3; i++)
        {
            var client = net.Chain.Client(Attacker.FirstSybilAccount + i);
            await Attacker.FundAsync(net, client, minimum, ct);
            await client.StakeAsync(minimum, ct);
            sybils.Add(new EthECKey(net.Chain.Keys[Attacker.FirstSybilAccount + i]));
        }
        const int tasks = 4;
        var deal = await attacker.SelfDealAsync(volume: tasks, trust: 3, poolPrice: 0, ct);
        var madeUp = Hash32.Sha256("another made-up result"u8);
        var contributions = new List<Contribution>();
        for (var t = 0; t < tasks; t++)
            contributions.AddRange(sybils.Select(k => Attacker.Contribute(attacker.Client.Domain, deal.DealId, t, madeUp, k)));
        var refused = await Attacker.RefusedAsync(() => attacker.Client.SettleAsync(deal.Deal, deal.DealId, contributions, "", ct));
        return new AttackOutcome(Name,
            $"settled {tasks} tasks × 3 contributions with 3 keys holding one minimum stake ({Tokens.Format(minimum)}) each",
            refused is null ? "the settlement went through" : $"refused: {refused}",
            refused == "InsufficientStake");
    }
}

/// <summary>Funds deposited for address zero (an unset beneficiary in someone's script) spent with no signature at all.</summary>
internal sealed class AddressZeroEscrowAttack : IAttack
{
    public string Name => "address-zero-escrow";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var attacker = await Attacker.EnterAsync(net, ct);
        var salt = Salt.New();
        var price = Tokens.FromHrth(1);
        var appOrder = new AppOrder { App = attacker.App, AppPrice = price, Volume = 1, Salt = salt };
        var poolOrder = new WorkerpoolOrder { Workerpool = attacker.Pool, Volume = 1, Salt = salt };
        var request = new RequestOrder { App = attacker.App, AppMaxPrice = price, Workerpool = attacker.Pool, Requester = Addresses.Zero, Volume = 1, Salt = salt };
        var refused = await Attacker.RefusedAsync(() => attacker.Client.MatchOrdersAsync(new SignedOrders(appOrder, [], DatasetOrder.None, [], poolOrder, [], request, []), ct));
        return new AttackOutcome(Name,
            "matched a request whose requester is address zero, with no signature, to spend its escrow",
            refused is null ? "the match went through" : $"refused: {refused}",
            refused == "BadSignature");
    }
}

/// <summary>A one-task deal from the attacker's pool voids an honest open request of ten tasks.</summary>
internal sealed class OpenRequestSnipingAttack : IAttack
{
    public string Name => "open-request-sniping";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var attacker = await Attacker.EnterAsync(net, ct);
        var victim = net.Chain.Client(DevAccounts.Requester);
        await Attacker.FundAsync(net, victim, Tokens.FromHrth(10), ct);
        var salt = Salt.New();
        var appOrder = new AppOrder { App = attacker.App, Volume = 100, Salt = salt };
        var request = new RequestOrder { App = attacker.App, Requester = victim.Address, Volume = 10, Trust = 1, Salt = salt }; // any pool
        var requestSignature = Signatures.Sign(request, victim.Domain, new EthECKey(net.Chain.Keys[DevAccounts.Requester]));
        var poolOrder = new WorkerpoolOrder { Workerpool = attacker.Pool, Volume = 1, Salt = salt };
        var sniped = await attacker.Client.MatchOrdersAsync(new SignedOrders(appOrder, [], DatasetOrder.None, [], poolOrder, [], request, requestSignature), ct);
        var requestHash = victim.Domain.Digest(request.StructHash());
        var left = await victim.RemainingRequestAsync(requestHash, 10, ct);
        return new AttackOutcome(Name,
            "matched an honest open request of 10 tasks with a pool order of volume 1",
            $"the attacker's deal took {sniped.Deal.Volume} task; {left} of the request remain matchable",
            sniped.Deal.Volume == 1 && left == 9);
    }
}
