using System.Text.Json;
using Hearth.Chain.Market;
using Microsoft.Extensions.Configuration;

namespace Hearth.Cli.Config;

/// <summary>Where a Hearth network lives: its chain, its contracts and its services. `hearth dev up` writes one;
/// any field can be overridden by an environment variable (HEARTH_RPCURL, HEARTH_MARKETURL, ...).</summary>
public sealed record NetworkProfile
{
    public string RpcUrl { get; init; } = "";
    public long ChainId { get; init; }
    public string Token { get; init; } = "";
    public string Apps { get; init; } = "";
    public string Datasets { get; init; } = "";
    public string Workerpools { get; init; } = "";
    public string Market { get; init; } = "";
    public long DeploymentBlock { get; init; }
    public string? StorageUrl { get; init; }
    public string? MarketUrl { get; init; }
    public string? SchedulerUrl { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public HearthDeployment Deployment => new(ChainId, Token, Apps, Datasets, Workerpools, Market, DeploymentBlock);

    public static NetworkProfile From(HearthDeployment d, string rpcUrl) => new()
    {
        RpcUrl = rpcUrl, ChainId = d.ChainId, Token = d.Token, Apps = d.Apps, Datasets = d.Datasets,
        Workerpools = d.Workerpools, Market = d.Market, DeploymentBlock = d.Block,
    };

    public static string DefaultPath(CliContext context) => Path.Combine(context.Home, "network.json");

    /// <summary>Reads the profile file (--network, $HEARTH_NETWORK, or the default), then environment overrides.</summary>
    public static NetworkProfile Load(CliContext context, string? path)
    {
        path ??= context.Environment("HEARTH_NETWORK") ?? DefaultPath(context);
        var builder = new ConfigurationBuilder();
        if (File.Exists(path)) builder.AddJsonFile(Path.GetFullPath(path), optional: false);
        var configuration = builder.Build();
        var profile = configuration.Get<NetworkProfile>() ?? new NetworkProfile();
        profile = profile with
        {
            RpcUrl = context.Environment("HEARTH_RPCURL") ?? profile.RpcUrl,
            StorageUrl = context.Environment("HEARTH_STORAGEURL") ?? profile.StorageUrl,
            MarketUrl = context.Environment("HEARTH_MARKETURL") ?? profile.MarketUrl,
            SchedulerUrl = context.Environment("HEARTH_SCHEDULERURL") ?? profile.SchedulerUrl,
        };
        if (string.IsNullOrEmpty(profile.RpcUrl) || string.IsNullOrEmpty(profile.Market))
            throw new CliException(File.Exists(path)
                ? $"the network profile {path} names no chain or market"
                : $"no network profile at {path}: start a local network with `hearth dev up`, or pass --network <file>");
        return profile;
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }
}
