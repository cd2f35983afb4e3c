using System.Numerics;
using Hearth.Chain.Transactions;
using Hearth.Protocol.Contracts;
using Nethereum.Contracts;

namespace Hearth.Chain.Market;

public sealed record DeployOptions
{
    /// <summary>Accounts that receive test tokens (a development chain only).</summary>
    public IReadOnlyList<string> Fund { get; init; } = [];

    public BigInteger FundAmount { get; init; } = Tokens.FromHrth(1_000_000);

    /// <summary>How long unstaked worker funds stay slashable before they can be withdrawn. The market refuses a
    /// category whose deadline (10 × its time) does not end before it: with the default categories (up to 36,000 s)
    /// it must exceed 360,000 s (100 hours).</summary>
    public TimeSpan UnbondingPeriod { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The least stake a worker puts behind each contribution, whatever the pool's policy: a deal's worker
    /// stake is the larger of this and the pool's percentage of its price, so no contribution is ever free to sign.</summary>
    public BigInteger MinWorkerStake { get; init; } = Tokens.FromHrth(0.1m);
}

/// <summary>Deploys the token, the three registries and the market from the compiled artifacts.</summary>
public static class Deployer
{
    /// <summary>The longest default category of HearthMarket's constructor, seconds, and its deadline factor.</summary>
    private const long LongestDefaultCategorySeconds = 36_000, DeadlineFactor = 10;

    public static async Task<HearthDeployment> DeployAsync(TransactionSender sender, DeployOptions? options = null, CancellationToken ct = default)
    {
        options ??= new DeployOptions();
        Check(options);
        var owner = sender.Address;
        var token = await DeployOneAsync(sender, ContractArtifacts.HearthToken, ct, owner);
        var apps = await DeployOneAsync(sender, ContractArtifacts.AppRegistry, ct);
        var datasets = await DeployOneAsync(sender, ContractArtifacts.DatasetRegistry, ct);
        var pools = await DeployOneAsync(sender, ContractArtifacts.WorkerpoolRegistry, ct);
        var market = await DeployOneAsync(sender, ContractArtifacts.HearthMarket, ct,
            token.Address, apps.Address, datasets.Address, pools.Address, new BigInteger(Math.Floor(options.UnbondingPeriod.TotalSeconds)), options.MinWorkerStake, owner);
        var chainId = (long)(await sender.Web3.Eth.ChainId.SendRequestAsync()).Value;
        var deployment = new HearthDeployment(chainId, token.Address, apps.Address, datasets.Address, pools.Address, market.Address, token.Block);
        var client = new HearthClient(sender, deployment);
        foreach (var account in options.Fund)
            await client.MintAsync(account, options.FundAmount, ct);
        return deployment;
    }

    /// <summary>The constructor would revert with a bare BadCategory; say why before spending any gas.</summary>
    private static void Check(DeployOptions options)
    {
        var least = LongestDefaultCategorySeconds * DeadlineFactor;
        if (Math.Floor(options.UnbondingPeriod.TotalSeconds) <= least) // the contract takes whole seconds
            throw new ArgumentException(
                $"the unbonding period ({options.UnbondingPeriod.TotalSeconds:0} s) must exceed {least:N0} s: a deal of the longest default category "
                + $"({LongestDefaultCategorySeconds:N0} s) may run {DeadlineFactor} times that, and a worker's stake must stay slashable until its deals end",
                nameof(options));
        if (options.MinWorkerStake.Sign < 0 || options.MinWorkerStake >= BigInteger.One << 96)
            throw new ArgumentException($"the minimum worker stake ({options.MinWorkerStake}) must fit a uint96 and not be negative", nameof(options));
    }

    private static async Task<(string Address, long Block)> DeployOneAsync(TransactionSender sender, ContractArtifact artifact, CancellationToken ct, params object[] args)
    {
        var data = args.Length == 0
            ? artifact.Bytecode
            : new DeployContractTransactionBuilder().GetData(artifact.Bytecode, artifact.Abi, args);
        var result = await sender.SendAsync(null, data, $"deploying {artifact.Name}", ct);
        var address = result.Receipt.ContractAddress ?? throw new InvalidOperationException($"deploying {artifact.Name} created no contract");
        return (address, result.BlockNumber);
    }
}
