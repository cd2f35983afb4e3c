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
/// and the registrations of content assets. Every call is a plain JSON-RPC read; nothing is cached here.
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

    /// <summary>The registration of app or dataset <paramref name="id"/> (its Registered event), or null when none.</summary>
    public async Task<RegisteredContent?> ContentAsync(string registry, BigInteger id, CancellationToken ct = default)
    {
        var ev = web3.Eth.GetEvent<ContentRegisteredEvent>(registry);
        var filter = ev.CreateFilterInput<BigInteger>(id, Block(Deployment.Block), BlockParameter.CreateLatest());
        var found = await GetEventsAsync<ContentRegisteredEvent>(filter, $"reading the registration of asset {id}", ct);
        var last = found.LastOrDefault();
        return last is null ? null : new RegisteredContent(id, new Hash32(last.Event.Checksum), last.Event.Location, last.Event.Owner);
    }

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
