using Hearth.Chain.Anvil;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Nethereum.Signer;

namespace Hearth.Chain.Local;

/// <summary>A development chain: anvil on loopback with the contracts deployed and test tokens minted to every
/// development account. Account 0 deployed everything and owns the token.</summary>
public sealed class LocalMarket : IAsyncDisposable
{
    private readonly Dictionary<string, HearthClient> _clients = new(StringComparer.OrdinalIgnoreCase);

    private LocalMarket(AnvilLauncher anvil, HearthDeployment deployment)
    {
        Anvil = anvil;
        Deployment = deployment;
    }

    public AnvilLauncher Anvil { get; }

    public HearthDeployment Deployment { get; }

    public string RpcUrl => Anvil.RpcUrl;

    public IReadOnlyList<string> Keys => Anvil.PrivateKeys;

    public static async Task<LocalMarket> StartAsync(AnvilOptions? options = null, DeployOptions? deploy = null, CancellationToken ct = default)
    {
        var anvil = await AnvilLauncher.StartAsync(options, ct);
        try
        {
            var deployer = new TransactionSender(anvil.RpcUrl, anvil.PrivateKeys[0], anvil.ChainId);
            var fund = anvil.PrivateKeys.Select(k => new EthECKey(k).GetPublicAddress()).ToList();
            var deployment = await Deployer.DeployAsync(deployer, (deploy ?? new DeployOptions()) with { Fund = fund }, ct);
            var market = new LocalMarket(anvil, deployment);
            market._clients[anvil.PrivateKeys[0]] = new HearthClient(deployer, deployment);
            return market;
        }
        catch
        {
            await anvil.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client sending as development account <paramref name="index"/>.</summary>
    public HearthClient Client(int index) => Client(Keys[index]);

    public HearthClient Client(string privateKey)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(privateKey, out var client))
            {
                client = new HearthClient(new TransactionSender(RpcUrl, privateKey, Anvil.ChainId), Deployment);
                _clients[privateKey] = client;
            }
            return client;
        }
    }

    public ValueTask DisposeAsync() => Anvil.DisposeAsync();
}
