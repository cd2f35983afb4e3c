using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Network;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>
/// An attacker on the local chain: one of anvil's funded accounts beyond the network's own, with tokens in escrow, an
/// app and a pool of its own (it is the pool's scheduler), and helpers to make deals with itself and settle them with
/// keys it controls.
/// </summary>
internal sealed class Attacker
{
    // anvil starts 20 accounts; the local network uses the first ones (deployer, owners, scheduler, requester, workers).
    public const int Account = 19;
    public const int FirstSybilAccount = 15;

    private Attacker(LocalNetwork net, HearthClient client, BigInteger app, BigInteger pool)
    {
        Net = net;
        Client = client;
        App = app;
        Pool = pool;
    }

    public LocalNetwork Net { get; }
    public HearthClient Client { get; }
    public BigInteger App { get; }
    public BigInteger Pool { get; }
    public string Address => Client.Address;

    public static async Task<Attacker> EnterAsync(LocalNetwork net, CancellationToken ct)
    {
        var client = net.Chain.Client(Account);
        await FundAsync(net, client, Tokens.FromHrth(1_000), ct);
        var app = await client.RegisterAppAsync(Hash32.Sha256(System.Text.Encoding.UTF8.GetBytes("attacker app " + Guid.NewGuid())), "http://127.0.0.1:1/nothing", "attacker app", ct);
        var pool = await client.RegisterWorkerpoolAsync(client.Address, 0, 0, "http://127.0.0.1:1", "attacker pool", ct: ct);
        return new Attacker(net, client, app.Id, pool.Id);
    }

    /// <summary>Mints tokens to an account and deposits them in its escrow.</summary>
    public static async Task FundAsync(LocalNetwork net, HearthClient client, BigInteger amount, CancellationToken ct)
    {
        await net.Chain.Client(DevAccounts.Deployer).MintAsync(client.Address, amount, ct);
        await client.DepositAsync(amount, ct);
    }

    /// <summary>A deal between the attacker's own app, pool and request, matched by the attacker (no signatures needed).</summary>
    public async Task<MatchResult> SelfDealAsync(int volume, uint trust, BigInteger poolPrice, CancellationToken ct)
    {
        var salt = Salt.New();
        var appOrder = new AppOrder { App = App, Volume = volume, Salt = salt };
        var poolOrder = new WorkerpoolOrder { Workerpool = Pool, WorkerpoolPrice = poolPrice, Volume = volume, Trust = 100_000, Salt = salt };
        var request = new RequestOrder
        {
            App = App, Workerpool = Pool, WorkerpoolMaxPrice = poolPrice, Requester = Address, Volume = volume, Trust = trust, Salt = salt,
        };
        return await Client.MatchOrdersAsync(new SignedOrders(appOrder, [], DatasetOrder.None, [], poolOrder, [], request, []), ct);
    }

    public static Contribution Contribute(Eip712Domain domain, Hash32 dealId, int task, Hash32 digest, EthECKey key) =>
        ContributionSigning.ToContribution(task, digest, ContributionSigning.Sign(domain, Ids.TaskId(dealId, task), digest, key));

    /// <summary>Runs a transaction the attacker expects the chain to refuse; returns the custom error's name, or null when it went through.</summary>
    public static async Task<string?> RefusedAsync(Func<Task> send)
    {
        try
        {
            await send();
            return null;
        }
        catch (ContractRevertException e)
        {
            return e.ErrorName;
        }
    }
}
