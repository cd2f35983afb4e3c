using System.Numerics;
using Hearth.Chain;
using Hearth.Chain.Market;
using Hearth.Market.Client;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Sandbox;
using Hearth.Storage.Client;
using Nethereum.Signer;

namespace Hearth.Network;

/// <summary>A registered asset of the local network and the order published for it.</summary>
public sealed record PublishedAsset(string Name, BigInteger Id, Hash32 Checksum, string Location);

/// <summary>Uploads the sample apps and the sample dataset, registers them, and publishes their orders and the
/// pool's on the order book, signed by their owners.</summary>
internal static class SampleAssets
{
    public static readonly string[] Apps = ["montecarlo", "collisions", "mandelbrot", "hello-as"];
    public const int OrderVolume = 1_000_000;

    public static async Task<(IReadOnlyList<PublishedAsset> Apps, PublishedAsset Dataset)> PublishAsync(
        LocalNetwork net, LocalNetworkOptions options, CancellationToken ct)
    {
        var appsFolder = options.AppsFolder ?? FindAppsFolder();
        var storage = new StorageClient(StorageClient.CreateHttpClient(new Uri(net.StorageUrl)));
        var market = new MarketClient(new HttpClient { BaseAddress = new Uri(net.MarketUrl) });
        var domain = net.Chain.Client(DevAccounts.Requester).Domain;

        var apps = new List<PublishedAsset>();
        foreach (var name in Apps)
        {
            var module = Path.Combine(appsFolder, name, "build", name + ".wasm");
            if (!File.Exists(module)) throw new FileNotFoundException($"the sample app {name} is not built: run `bash apps/build.sh` ({module} is missing)");
            var address = await storage.PutFileAsync(module, ct);
            var location = $"{net.StorageUrl.TrimEnd('/')}/blobs/{address.Hex}";
            var owner = net.Chain.Client(DevAccounts.AppOwner);
            var registration = await owner.RegisterAppAsync(Hash32.Parse(address.Hex), location, name, ct);
            var order = new AppOrder { App = registration.Id, AppPrice = Tokens.FromHrth(options.AppPrice), Volume = OrderVolume, Salt = Salt.New() };
            await market.PublishAsync(order, Signatures.Sign(order, domain, Key(net, DevAccounts.AppOwner)), ct);
            apps.Add(new PublishedAsset(name, registration.Id, Hash32.Parse(address.Hex), location));
        }

        var csv = Path.Combine(net.DataFolder, "events.csv");
        await SampleData.GenerateCollisionEventsAsync(seed: 7, count: 20_000, csv, ct);
        var data = await storage.PutFileAsync(csv, ct);
        var dataLocation = $"{net.StorageUrl.TrimEnd('/')}/blobs/{data.Hex}?name=events.csv";
        var dataset = await net.Chain.Client(DevAccounts.DatasetOwner).RegisterDatasetAsync(Hash32.Parse(data.Hex), dataLocation, "collision-events", ct);
        var datasetOrder = new DatasetOrder { Dataset = dataset.Id, DatasetPrice = Tokens.FromHrth(options.DatasetPrice), Volume = OrderVolume, Salt = Salt.New() };
        await market.PublishAsync(datasetOrder, Signatures.Sign(datasetOrder, domain, Key(net, DevAccounts.DatasetOwner)), ct);

        await PublishPoolOrderAsync(net, market, Tokens.FromHrth(options.PoolPrice), options.PoolTrust, ct);
        return (apps, new PublishedAsset("collision-events", dataset.Id, Hash32.Parse(data.Hex), dataLocation));
    }

    public static async Task PublishPoolOrderAsync(LocalNetwork net, MarketClient market, BigInteger price, int trust, CancellationToken ct)
    {
        var order = new WorkerpoolOrder
        {
            Workerpool = net.Workerpool, WorkerpoolPrice = price, Volume = OrderVolume, Trust = trust,
            Tag = ResourceTag.Offering(LocalNetwork.PoolOffer), Salt = Salt.New(),
        };
        await market.PublishAsync(order, Signatures.Sign(order, net.Chain.Client(DevAccounts.PoolOwner).Domain, Key(net, DevAccounts.PoolOwner)), ct);
    }

    private static EthECKey Key(LocalNetwork net, int account) => new(net.Chain.Keys[account]);

    public static string FindAppsFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "apps");
                if (File.Exists(Path.Combine(candidate, "build.sh"))) return candidate;
            }
        }
        throw new DirectoryNotFoundException("the sample apps folder (apps/build.sh) was not found above the current folder");
    }
}
