using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Cli.Config;
using Hearth.Network;
using Nethereum.Signer;

namespace Hearth.Cli.Dev;

/// <summary>One development account of a local network: which role it plays and what it owns.</summary>
public sealed record DevAccount(int Index, string Role, string Address, string PrivateKey, string Owns);

/// <summary>The network profile `hearth dev up` writes: the <see cref="NetworkProfile"/> fields, which the CLI reads
/// back, plus a `DevelopmentAccounts` section (roles, addresses, keys) for tools that do not use the CLI. The CLI's
/// loader ignores that section.</summary>
public static class DevProfile
{
    public const string Warning =
        "DEVELOPMENT ONLY: these are anvil's well-known public test keys; anyone can spend from them. Never use them on a real chain or for real funds.";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The accounts of <paramref name="net"/>, each with its role (docs/integrating.md, "Development accounts").</summary>
    public static IReadOnlyList<DevAccount> Accounts(LocalNetwork net)
    {
        var apps = net.Apps.Count == 0 ? "the sample apps" : "apps " + string.Join(", ", net.Apps.Select(a => $"{a.Id} ({a.Name})"));
        var dataset = net.Dataset is { } d ? $"dataset {d.Id} ({d.Name})" : "the sample dataset";
        return Accounts(net.Chain.Keys, net.Workers.Count, apps, dataset, $"workerpool {net.Workerpool}");
    }

    public static IReadOnlyList<DevAccount> Accounts(IReadOnlyList<string> keys, int workers, string apps = "the sample apps", string dataset = "the sample dataset", string workerpool = "the workerpool")
    {
        const string funded = "1,000,000 HRTH minted to it at deployment, and anvil's ether for gas";
        var list = new List<DevAccount>();
        for (var i = 0; i < keys.Count; i++)
        {
            var (role, owns) = i switch
            {
                DevAccounts.Deployer => ("deployer", "deployed the contracts; owns the market (categories) and the token (minting)"),
                DevAccounts.AppOwner => ("app owner", $"{apps} and their app orders"),
                DevAccounts.DatasetOwner => ("dataset owner", $"{dataset} and its dataset order"),
                DevAccounts.PoolOwner => ("pool owner", $"{workerpool} and its workerpool orders; 100,000 HRTH deposited in the market's escrow (the pool's stakes)"),
                DevAccounts.Scheduler => ("scheduler", $"the scheduler key of {workerpool}: signs settlements; owns nothing"),
                DevAccounts.Requester => ("requester", "100,000 HRTH deposited in the market's escrow, ready to pay for deals"),
                _ when i >= DevAccounts.FirstWorker && i < DevAccounts.FirstWorker + workers =>
                    ("worker", $"worker {i - DevAccounts.FirstWorker} of {workerpool}: 100 HRTH staked in the market"),
                _ => ("spare", "nothing yet: free for your own tests"),
            };
            var key = keys[i].StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? keys[i] : "0x" + keys[i];
            list.Add(new DevAccount(i, role, new EthECKey(key).GetPublicAddress(), key, $"{owns}; {funded}"));
        }
        return list;
    }

    /// <summary>Writes <paramref name="profile"/> with the accounts to <paramref name="path"/> (atomically, as
    /// <see cref="NetworkProfile.Save"/> does); <see cref="NetworkProfile.Load"/> reads it back unchanged.</summary>
    public static void Save(NetworkProfile profile, IReadOnlyList<DevAccount> accounts, string path)
    {
        var root = JsonSerializer.SerializeToNode(profile, Json)!.AsObject();
        root["DevelopmentAccounts"] = new JsonObject
        {
            ["Warning"] = Warning,
            ["Accounts"] = JsonSerializer.SerializeToNode(accounts, Json),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(Json));
        File.Move(temp, path, overwrite: true);
    }
}
