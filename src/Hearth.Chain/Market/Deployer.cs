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

    /// <summary>How long unstaked worker funds stay slashable before they can be withdrawn.</summary>
    public TimeSpan UnbondingPeriod { get; init; } = TimeSpan.FromDays(7);
}

/// <summary>Deploys the token, the three registries and the market from the compiled artifacts.</summary>
public static class Deployer
{
    public static async Task<HearthDeployment> DeployAsync(TransactionSender sender, DeployOptions? options = null, CancellationToken ct = default)
    {
        options ??= new DeployOptions();
        var owner = sender.Address;
        var token = await DeployOneAsync(sender, ContractArtifacts.HearthToken, ct, owner);
        var apps = await DeployOneAsync(sender, ContractArtifacts.AppRegistry, ct);
        var datasets = await DeployOneAsync(sender, ContractArtifacts.DatasetRegistry, ct);
        var pools = await DeployOneAsync(sender, ContractArtifacts.WorkerpoolRegistry, ct);
        var market = await DeployOneAsync(sender, ContractArtifacts.HearthMarket, ct,
            token.Address, apps.Address, datasets.Address, pools.Address, new BigInteger(options.UnbondingPeriod.TotalSeconds), owner);
        var chainId = (long)(await sender.Web3.Eth.ChainId.SendRequestAsync()).Value;
        var deployment = new HearthDeployment(chainId, token.Address, apps.Address, datasets.Address, pools.Address, market.Address, token.Block);
        var client = new HearthClient(sender, deployment);
        foreach (var account in options.Fund)
            await client.MintAsync(account, options.FundAmount, ct);
        return deployment;
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
