using System.CommandLine;
using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Cli.Config;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Hearth.Storage;
using Hearth.Storage.Client;

namespace Hearth.Cli.Commands;

/// <summary>`hearth app|dataset register|show|transfer` and `hearth pool register|show|transfer`.</summary>
public static class AssetCommands
{
    public static Command Content(CommandEnvironment env, OrderKind kind)
    {
        var noun = kind == OrderKind.App ? "app" : "dataset";
        var command = new Command(noun, kind == OrderKind.App ? "WASI apps: register, show, transfer." : "Datasets: register, show, transfer.");

        var file = new Argument<string>("file")
        {
            Description = kind == OrderKind.App
                ? $"The WASI module (.wasm); or a bundle: its folder (holding {AppBundlePacker.SourceManifestName}), that file, or a ready manifest."
                : "The dataset file.",
        };
        var name = new Option<string?>("--name") { Description = "A name shown to users (default: the file's name)." };
        var register = new Command("register", $"Upload the {noun} to storage, compute its sha256 and register it on chain.") { file, name };
        register.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (kind == OrderKind.App && Directory.Exists(path)) path = Path.Combine(path, AppBundlePacker.SourceManifestName);
            if (!File.Exists(path)) throw new CliException($"no such file: {path}");
            if (kind == OrderKind.App && AppBundlePacker.IsManifestFile(path)) return await RegisterBundleAsync(env, parse, path, parse.GetValue(name), ct);
            if (kind == OrderKind.App) AppBundlePacker.CheckWasm(path);
            var network = env.Network(parse);
            var storage = StorageOf(network);
            var address = await storage.PutFileAsync(path, ct);
            var location = $"{storage.BaseUrl.ToString().TrimEnd('/')}/blobs/{address.Hex}";
            // A dataset file keeps its name: workers show it as /in/<name> (an archive is unpacked under /in instead).
            if (kind == OrderKind.Dataset && DatasetFileName(path) is { } fileName) location += "?name=" + Uri.EscapeDataString(fileName);
            var client = env.Client(parse);
            var checksum = Hash32.Parse(address.Hex);
            var label = parse.GetValue(name) ?? Path.GetFileName(path);
            var registration = kind == OrderKind.App
                ? await client.RegisterAppAsync(checksum, location, label, ct)
                : await client.RegisterDatasetAsync(checksum, location, label, ct);
            env.Print(parse, new { id = registration.Id.ToString(), sha256 = address.Hex, location, transaction = registration.Transaction.Hash },
                $"registered {noun} {registration.Id} ({label})", $"sha256    {address.Hex}", $"location  {location}");
            return 0;
        });
        command.Subcommands.Add(register);
        command.Subcommands.Add(Show(env, kind, noun));
        command.Subcommands.Add(List(env, kind, noun));
        command.Subcommands.Add(Transfer(env, kind, noun));
        return command;
    }

    /// <summary>Packs and uploads a bundle's parts, then uploads its manifest and registers the manifest's sha256.</summary>
    private static async Task<int> RegisterBundleAsync(CommandEnvironment env, ParseResult parse, string manifestPath, string? name, CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("hearth-bundle-").FullName;
        try
        {
            var bundle = AppBundlePacker.Pack(manifestPath, work, ct);
            var network = env.Network(parse);
            var storage = StorageOf(network);
            await AppBundlePacker.UploadPartsAsync(storage, bundle, ct);
            var address = await storage.PutAsync(new MemoryStream(bundle.Manifest, writable: false), ct);
            var location = $"{storage.BaseUrl.ToString().TrimEnd('/')}/blobs/{address.Hex}";
            var label = name ?? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(manifestPath))) ?? "app";
            var registration = await env.Client(parse).RegisterAppAsync(Hash32.Parse(address.Hex), location, label, ct);
            env.Print(parse,
                new
                {
                    id = registration.Id.ToString(), sha256 = address.Hex, location, transaction = registration.Transaction.Hash,
                    parts = bundle.Parts.Select(p => new { what = p.What, sha256 = p.Sha256 }),
                },
                [$"registered app {registration.Id} ({label})", $"sha256    {address.Hex}", $"location  {location}",
                    .. bundle.Parts.Select(p => $"{p.What,-9} {p.Sha256}")]);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static Command Pool(CommandEnvironment env)
    {
        var command = new Command("pool", "Workerpools: register, show, transfer.");
        var scheduler = new Option<string>("--scheduler") { Description = "The scheduler's address (it settles the pool's tasks).", Required = true };
        var apiUrl = new Option<string>("--api-url") { Description = "The scheduler's API URL, for workers and users.", Required = true };
        var name = new Option<string>("--name") { Description = "A name shown to users.", DefaultValueFactory = _ => "pool" };
        var workerStake = new Option<byte>("--worker-stake-percent") { Description = "Stake asked of each worker per contribution, in % of the pool price (at least the market's minimum worker stake).", DefaultValueFactory = _ => 30 };
        var share = new Option<byte>("--scheduler-share-percent") { Description = "Share of the pool price kept by the pool owner.", DefaultValueFactory = _ => 1 };
        var callbacks = new Option<bool>("--accepts-callbacks") { Description = "Accept requests with a callback contract (each settlement calls it, with gas the scheduler pays)." };
        var register = new Command("register", "Register a workerpool. Its policy is fixed for good: a pool that wants another registers anew.") { scheduler, apiUrl, name, workerStake, share, callbacks };
        register.SetAction(async (parse, ct) =>
        {
            var schedulerAddress = parse.GetValue(scheduler)!;
            if (!Addresses.IsValid(schedulerAddress)) throw new CliException($"--scheduler {schedulerAddress} is not an address");
            if (parse.GetValue(workerStake) > 100 || parse.GetValue(share) > 100) throw new CliException("percentages are at most 100");
            var client = env.Client(parse);
            var accepts = parse.GetValue(callbacks);
            var r = await client.RegisterWorkerpoolAsync(schedulerAddress, parse.GetValue(workerStake), parse.GetValue(share), parse.GetValue(apiUrl)!, parse.GetValue(name)!, accepts, ct);
            env.Print(parse, new { id = r.Id.ToString(), acceptsCallbacks = accepts, transaction = r.Transaction.Hash },
                $"registered workerpool {r.Id}{(accepts ? " (accepts requester callbacks)" : "")}");
            return 0;
        });
        command.Subcommands.Add(register);
        command.Subcommands.Add(Show(env, OrderKind.Workerpool, "workerpool"));
        command.Subcommands.Add(List(env, OrderKind.Workerpool, "workerpool"));
        command.Subcommands.Add(Transfer(env, OrderKind.Workerpool, "workerpool"));
        return command;
    }

    private static Command Show(CommandEnvironment env, OrderKind kind, string noun)
    {
        var id = new Argument<string>("id") { Description = $"The {noun}'s id." };
        var show = new Command("show", $"Show a registered {noun}.") { id };
        show.SetAction(async (parse, ct) =>
        {
            var assetId = ParseId(parse.GetValue(id)!, noun);
            var reader = env.Reader(parse);
            var owner = await reader.OwnerOfAsync(kind, assetId, ct);
            if (kind == OrderKind.Workerpool)
            {
                var p = await reader.GetWorkerpoolPolicyAsync(assetId, ct);
                env.Print(parse, new
                {
                    id = assetId.ToString(), owner, scheduler = p.Scheduler, workerStakePercent = p.WorkerStakePercent,
                    schedulerSharePercent = p.SchedulerSharePercent, acceptsCallbacks = p.AcceptsCallbacks,
                },
                    $"{noun} {assetId}", $"owner     {owner}", $"scheduler {p.Scheduler}",
                    $"policy    worker stake {p.WorkerStakePercent} % of the price, owner's share {p.SchedulerSharePercent} %, callbacks {(p.AcceptsCallbacks ? "accepted" : "refused")}");
                return 0;
            }
            var checksum = await reader.ChecksumOfAsync(kind, assetId, ct);
            env.Print(parse, new { id = assetId.ToString(), owner, sha256 = checksum.ToPlainHex() }, $"{noun} {assetId}", $"owner     {owner}", $"sha256    {checksum.ToPlainHex()}");
            return 0;
        });
        return show;
    }

    private static Command List(CommandEnvironment env, OrderKind kind, string noun)
    {
        var owner = new Option<string?>("--owner") { Description = "Only assets of this owner." };
        var list = new Command("list", $"List the registered {noun}s and their owners.") { owner };
        list.SetAction(async (parse, ct) =>
        {
            var reader = env.Reader(parse);
            var count = await reader.CountAsync(kind, ct);
            if (count > 10_000) throw new CliException($"{count} {noun}s are registered: filter with --owner on a smaller market, or use `{noun} show <id>`");
            var only = parse.GetValue(owner);
            var rows = new List<(string Id, string Owner)>();
            for (var id = BigInteger.One; id <= count; id++)
            {
                var who = await reader.OwnerOfAsync(kind, id, ct);
                if (only is null || Addresses.AreEqual(who, only)) rows.Add((id.ToString(), who));
            }
            env.Print(parse, rows.Select(r => new { id = r.Id, owner = r.Owner }),
                rows.Count == 0 ? [$"no {noun}"] : rows.Select(r => $"{noun} {r.Id,-5} owner {r.Owner}").ToArray());
            return 0;
        });
        return list;
    }

    private static Command Transfer(CommandEnvironment env, OrderKind kind, string noun)
    {
        var id = new Argument<string>("id") { Description = $"The {noun}'s id." };
        var to = new Argument<string>("to") { Description = "The new owner's address." };
        var transfer = new Command("transfer", $"Give the {noun} to another owner.") { id, to };
        transfer.SetAction(async (parse, ct) =>
        {
            var recipient = parse.GetValue(to)!;
            if (!Addresses.IsValid(recipient)) throw new CliException($"{recipient} is not an address");
            var tx = await env.Client(parse).TransferAssetAsync(kind, ParseId(parse.GetValue(id)!, noun), recipient, ct);
            env.Print(parse, new { transaction = tx.Hash }, $"{noun} transferred to {recipient}");
            return 0;
        });
        return transfer;
    }

    public static BigInteger ParseId(string text, string noun) =>
        BigInteger.TryParse(text, out var id) && id > 0 ? id : throw new CliException($"'{text}' is not a {noun} id (a positive number)");

    public static StorageClient StorageOf(NetworkProfile network)
    {
        if (string.IsNullOrEmpty(network.StorageUrl)) throw new CliException("the network profile names no storage: set StorageUrl or HEARTH_STORAGEURL");
        return new StorageClient(StorageClient.CreateHttpClient(new Uri(network.StorageUrl)));
    }

    /// <summary>The file's name when workers would keep it (as their AssetLocation does: no folders, no dot-name, no
    /// control characters, at most 128 characters); null otherwise, and the file is /in/dataset.</summary>
    public static string? DatasetFileName(string path)
    {
        var name = Path.GetFileName(path);
        return string.IsNullOrWhiteSpace(name) || name.Length > 128 || name.StartsWith('.') || name.Any(char.IsControl)
            || name.IndexOfAny(['/', '\\', '\0']) >= 0 ? null : name;
    }
}
