using System.Text.Json;
using Hearth.Cli;
using Hearth.Cli.Config;
using Hearth.Cli.Dev;
using Hearth.Network;
using Nethereum.Signer;

namespace Hearth.EndToEnd.Tests;

/// <summary>The profile `hearth dev up` writes: the CLI still loads it, and it lists each development account with its
/// role and key for tools that do not use the CLI.</summary>
public sealed class DevProfileTests
{
    [Fact]
    public void The_dev_profile_lists_each_account_with_its_role_and_still_loads_in_the_cli()
    {
        var keys = Enumerable.Range(0, 12).Select(_ => "0x" + Convert.ToHexStringLower(EthECKey.GenerateKey().GetPrivateKeyAsBytes())).ToList();
        var accounts = DevProfile.Accounts(keys, workers: 3, apps: "apps 1 (hello)", dataset: "dataset 1 (events)", workerpool: "workerpool 1");
        var profile = new NetworkProfile
        {
            RpcUrl = "http://127.0.0.1:8545", ChainId = 31337, Token = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            Apps = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", Datasets = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
            Workerpools = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9", Market = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
            DeploymentBlock = 7, StorageUrl = "http://127.0.0.1:5001", MarketUrl = "http://127.0.0.1:5004", SchedulerUrl = "http://127.0.0.1:5002",
        };
        var folder = Directory.CreateTempSubdirectory("hearth-devprofile-").FullName;
        try
        {
            var path = Path.Combine(folder, "network.json");
            DevProfile.Save(profile, accounts, path);

            var context = new CliContext { Out = TextWriter.Null, Error = TextWriter.Null, Environment = _ => null };
            Assert.Equal(profile, NetworkProfile.Load(context, path));

            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var section = json.RootElement.GetProperty("DevelopmentAccounts");
            Assert.StartsWith("DEVELOPMENT ONLY", section.GetProperty("Warning").GetString());
            Assert.DoesNotContain("\\u0027", File.ReadAllText(path)); // readable by a person: "anvil's", not "anvil\u0027s"
            var listed = section.GetProperty("Accounts").EnumerateArray().ToList();
            Assert.Equal(keys.Count, listed.Count);
            var roles = listed.Select(a => a.GetProperty("Role").GetString()).ToList();
            Assert.Equal(
                ["deployer", "app owner", "dataset owner", "pool owner", "scheduler", "requester", "worker", "worker", "worker", "spare", "spare", "spare"],
                roles);
            for (var i = 0; i < keys.Count; i++)
            {
                Assert.Equal(i, listed[i].GetProperty("Index").GetInt32());
                Assert.Equal(keys[i], listed[i].GetProperty("PrivateKey").GetString());
                Assert.Equal(new EthECKey(keys[i]).GetPublicAddress(), listed[i].GetProperty("Address").GetString());
            }
            Assert.Equal("requester", roles[DevAccounts.Requester]);
            Assert.Contains("apps 1 (hello)", listed[DevAccounts.AppOwner].GetProperty("Owns").GetString());
            Assert.Contains("workerpool 1", listed[DevAccounts.PoolOwner].GetProperty("Owns").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
