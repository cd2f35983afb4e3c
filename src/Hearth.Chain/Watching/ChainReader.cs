using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Hearth.Chain.Watching;

/// <summary>A block as a log watcher needs it: enough to notice that the chain under a cursor changed.</summary>
public sealed record ChainBlock(long Number, string Hash, long Timestamp);

/// <summary>A decoded event with where it was found, so a watcher can tell when a reorganisation removed it.</summary>
public sealed record LoggedEvent<T>(T Event, long BlockNumber, string BlockHash, string TransactionHash, long LogIndex);

/// <summary>An app or dataset as registered: its sha256 and where its content is served.</summary>
public sealed record RegisteredContent(BigInteger Id, Hash32 Checksum, string Location, string Owner);

/// <summary>
/// Read-only chain access for log watchers: head, block hashes (for reorg detection), logs by range and topic,
/// and content assets read by id (never one eth_getLogs over the whole chain). Every call is a plain JSON-RPC read; nothing is cached here.
/// </summary>
public sealed class ChainReader(IWeb3 web3, HearthDeployment deployment)
{
    public ChainReader(string rpcUrl, HearthDeployment deployment)
        : this(new Web3(rpcUrl), deployment)
    {
    }

    public HearthDeployment Deployment { get; } = deployment;

    public async Task<long> HeadAsync(CancellationToken ct = default) =>
        (long)(await RpcAsync(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), "reading the chain head", ct)).Value;

    /// <summary>The block at <paramref name="number"/>, or null when the chain is shorter (e.g. after a reorg).</summary>
    public async Task<ChainBlock?> BlockAsync(long number, CancellationToken ct = default)
    {
        var block = await RpcAsync(
            () => web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter(new HexBigInteger(number))),
            $"reading block {number}", ct);
        return block is null ? null : new ChainBlock((long)block.Number.Value, block.BlockHash, (long)block.Timestamp.Value);
    }

    /// <summary>DealCreated events of <paramref name="workerpool"/> in [from, to], in chain order.</summary>
    public async Task<IReadOnlyList<LoggedEvent<DealCreatedEvent>>> DealsCreatedAsync(BigInteger workerpool, long from, long to, CancellationToken ct = default)
    {
        var ev = web3.Eth.GetEvent<DealCreatedEvent>(Deployment.Market);
        var filter = ev.CreateFilterInput<object, BigInteger>(null!, workerpool, Block(from), Block(to));
        return await GetEventsAsync<DealCreatedEvent>(filter, $"reading deals of pool {workerpool} in blocks {from}-{to}", ct);
    }

    /// <summary>
    /// App or dataset <paramref name="id"/> read by id, or null when the registry has no such asset. The checksum (what the
    /// chain certifies) is one eth_call of <c>checksumOf</c>, which reverts for an id never minted. The location is only
    /// emitted (Registered, then AssetLocation on each change): its newest event is looked for from block
    /// <paramref name="upTo"/> back to the deployment block, in ranges of at most <paramref name="maxSpan"/> blocks, so a
    /// provider that caps eth_getLogs ranges answers every call; the scan stops at the first range holding an event of
    /// the asset. A location that is not found is empty (workers then fetch by checksum from their own storage).
    /// </summary>
    public async Task<RegisteredContent?> ContentAsync(string registry, BigInteger id, long upTo, int maxSpan, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSpan, 1);
        var checksumOf = web3.Eth.GetContract(Hearth.Protocol.Contracts.ContractArtifacts.AppRegistry.Abi, registry).GetFunction("checksumOf");
        string raw;
        try
        {
            raw = await RpcAsync(() => web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(checksumOf.GetData(id), registry)), $"reading the checksum of asset {id}", ct);
        }
        catch (RpcResponseException e) when (IsRevert(e))
        {
            return null;
        }
        var checksum = checksumOf.DecodeTypeOutput<byte[]>(raw);
        if (checksum is not { Length: 32 } || checksum.All(b => b == 0)) return null;

        var topics = new object[] { new[] { RegisteredTopic, AssetLocationTopic }, "0x" + id.ToString("x64", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0').PadLeft(64, '0') };
        for (var to = upTo; to >= Deployment.Block; to -= maxSpan)
        {
            var from = Math.Max(Deployment.Block, to - maxSpan + 1);
            var filter = new NewFilterInput { Address = [registry], FromBlock = Block(from), ToBlock = Block(to), Topics = topics };
            var logs = (await RpcAsync(() => web3.Eth.Filters.GetLogs.SendRequestAsync(filter), $"reading the location of asset {id} in blocks {from}-{to}", ct) ?? [])
                .Where(l => l.Removed != true)
                .OrderBy(l => (long)l.BlockNumber.Value).ThenBy(l => (long)l.LogIndex.Value)
                .ToList();
            if (logs.Count == 0) continue;
            var last = logs[^1];
            var location = string.Equals((string)last.Topics[0], RegisteredTopic, StringComparison.OrdinalIgnoreCase)
                ? last.DecodeEvent<ContentRegisteredEvent>().Event.Location
                : last.DecodeEvent<AssetLocationEvent>().Event.Location;
            return new RegisteredContent(id, new Hash32(checksum), location, "");
        }
        return new RegisteredContent(id, new Hash32(checksum), "", "");
    }

    private static readonly string RegisteredTopic = "0x" + Nethereum.Util.Sha3Keccack.Current.CalculateHash("Registered(uint256,address,bytes32,string,string)");
    private static readonly string AssetLocationTopic = "0x" + Nethereum.Util.Sha3Keccack.Current.CalculateHash("AssetLocation(uint256,string)");

    /// <summary>An eth_call that the contract refused (as opposed to a node that refused the request).</summary>
    private static bool IsRevert(RpcResponseException e) =>
        e.RpcError?.Code == 3 || (e.RpcError?.Message ?? e.Message).Contains("revert", StringComparison.OrdinalIgnoreCase);

    /// <summary>Any logs, decoded as <typeparamref name="T"/>; logs that do not decode as T are skipped.</summary>
    public async Task<IReadOnlyList<LoggedEvent<T>>> GetEventsAsync<T>(NewFilterInput filter, string what, CancellationToken ct = default)
        where T : IEventDTO, new()
    {
        var logs = await RpcAsync(() => web3.Eth.Filters.GetLogs.SendRequestAsync(filter), what, ct) ?? [];
        // Removed logs (a node reporting a reorg) are not events any more.
        return logs.Where(l => l.Removed != true).ToArray().DecodeAllEvents<T>()
            .Where(e => e.Event is not null)
            .Select(e => new LoggedEvent<T>(e.Event, (long)e.Log.BlockNumber.Value, e.Log.BlockHash, e.Log.TransactionHash, (long)e.Log.LogIndex.Value))
            .ToList();
    }

    private static BlockParameter Block(long number) => new(new HexBigInteger(number));

    private static async Task<T> RpcAsync<T>(Func<Task<T>> call, string what, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return await call().WaitAsync(ct);
        }
        catch (RpcClientUnknownException e)
        {
            throw new ChainUnreachableException($"{what}: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
        }
    }
}

/// <summary>A content asset pointed at a new copy of the same content.</summary>
[Event("AssetLocation")]
public sealed class AssetLocationEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)] public BigInteger Id { get; set; }
    [Parameter("string", "location", 2, false)] public string Location { get; set; } = "";
}
