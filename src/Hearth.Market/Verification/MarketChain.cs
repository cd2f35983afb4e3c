using System.Numerics;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using Microsoft.Extensions.Options;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;

namespace Hearth.Market.Verification;

/// <summary>What the book reads from the chain. It never sends a transaction, so it needs no key of its own.</summary>
public sealed class MarketChain
{
    private readonly HearthClient _client;
    private readonly string _rpcUrl;
    private readonly long _erc1271Gas;

    public MarketChain(IOptions<MarketOptions> options)
    {
        var o = options.Value;
        _erc1271Gas = o.Erc1271GasLimit;
        var deployment = o.Deployment ?? throw new InvalidOperationException("Market:Deployment is not set");
        _rpcUrl = o.RpcUrl;
        // HearthClient wants a sender; a throwaway key only fills eth_call's "from" and never holds anything.
        var sender = new TransactionSender(o.RpcUrl, EthECKey.GenerateKey().GetPrivateKeyAsBytes().ToHex(prefix: true), deployment.ChainId);
        _client = new HearthClient(sender, deployment);
        Domain = _client.Domain;
    }

    public Eip712Domain Domain { get; }

    public HearthDeployment Deployment => _client.Deployment;

    /// <summary>The asset's owner, or null when no asset has that id.</summary>
    public async Task<string?> OwnerOfAsync(OrderKind kind, BigInteger id, CancellationToken ct)
    {
        try
        {
            return await _client.OwnerOfAsync(kind, id, ct);
        }
        catch (ContractRevertException e) when (e.ErrorName == "ERC721NonexistentToken")
        {
            return null;
        }
    }

    /// <summary>What is left of an order on chain; request orders keep their count apart (remainingRequest).</summary>
    public Task<BigInteger> RemainingAsync(OrderKind kind, Hash32 hash, BigInteger volume, CancellationToken ct) =>
        kind == OrderKind.Request ? _client.RemainingRequestAsync(hash, volume, ct) : _client.RemainingAsync(hash, volume, ct);

    /// <summary>Whether <paramref name="signer"/> pre-signed the order on chain (a pre-signature binds only its author).</summary>
    public async Task<bool> IsPresignedAsync(Hash32 hash, string signer, CancellationToken ct) =>
        Addresses.AreEqual(await MarketCallAsync<string>("presigned", "reading whether the order is pre-signed", ct, hash.ToArray()), signer);

    public Task<BigInteger> CategoryTimeAsync(BigInteger category, CancellationToken ct) => MarketCallAsync<BigInteger>("categoryTime", "reading the category", ct, category);

    /// <summary>ERC-1271: whether the contract at <paramref name="signer"/> accepts <paramref name="signature"/> over <paramref name="digest"/>.
    /// False for an account without code, or a contract that reverts, needs more than <see cref="MarketOptions.Erc1271GasLimit"/> gas,
    /// or answers anything but the magic value.</summary>
    public async Task<bool> IsValidContractSignatureAsync(string signer, Hash32 digest, byte[] signature, CancellationToken ct)
    {
        var code = await RpcAsync(() => _client.Sender.Web3.Eth.GetCode.SendRequestAsync(signer), ct);
        if (code is null or "0x" or "0x0") return false;
        var call = new IsValidSignatureFunction { Hash = digest.ToArray(), Signature = signature };
        // The publisher chose this code: it runs with a gas cap, so a wallet that loops costs the node little.
        var input = new CallInput(call.GetCallData().ToHex(prefix: true), signer) { From = _client.Address, Gas = new HexBigInteger(_erc1271Gas) };
        try
        {
            var raw = await RpcAsync(() => _client.Sender.Web3.Eth.Transactions.Call.SendRequestAsync(input), ct);
            return raw is not null && raw.StartsWith("0x1626ba7e", StringComparison.OrdinalIgnoreCase);
        }
        catch (RpcResponseException)
        {
            // Reverted, ran out of gas, or refused by the node: not a valid signature here.
            return false;
        }
    }

    /// <summary>The free balance of <paramref name="account"/> in the market's escrow (locked funds and stake excluded).</summary>
    public async Task<BigInteger> FreeBalanceAsync(string account, CancellationToken ct) =>
        (await _client.GetAccountAsync(account, ct)).Balance;

    public async Task<long> ChainIdAsync(CancellationToken ct) =>
        (long)(await RpcAsync(() => _client.Sender.Web3.Eth.ChainId.SendRequestAsync(), ct)).Value;

    public async Task<bool> MarketHasCodeAsync(CancellationToken ct)
    {
        var code = await RpcAsync(() => _client.Sender.Web3.Eth.GetCode.SendRequestAsync(Deployment.Market), ct);
        return code is not (null or "0x" or "0x0");
    }

    public async Task<long> BlockNumberAsync(CancellationToken ct) =>
        (long)(await RpcAsync(() => _client.Sender.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct)).Value;

    public async Task<(IReadOnlyList<DealCreatedEvent> Deals, IReadOnlyList<OrderCancelledEvent> Cancels)> LogsAsync(long from, long to, CancellationToken ct)
    {
        var fromBlock = new BlockParameter((ulong)from);
        var toBlock = new BlockParameter((ulong)to);
        var deals = await RpcAsync(() => _client.DealsCreatedAsync(fromBlock, toBlock, ct: ct), ct);
        var ev = _client.MarketContract.GetEvent<OrderCancelledEvent>();
        var cancels = await RpcAsync(() => ev.GetAllChangesAsync(ev.CreateFilterInput(fromBlock, toBlock)), ct);
        return (deals, cancels.Select(c => c.Event).ToList());
    }

    private async Task<T> MarketCallAsync<T>(string function, string what, CancellationToken ct, params object[] args)
    {
        var f = _client.MarketContract.GetFunction(function);
        var raw = await _client.Sender.CallAsync(Deployment.Market, f.GetData(args), what, ct);
        return f.DecodeTypeOutput<T>(raw);
    }

    /// <summary>Nethereum's own calls report a dead endpoint in their own words; the book reports it in one.</summary>
    private async Task<T> RpcAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return await call();
        }
        catch (RpcClientUnknownException e)
        {
            throw new ChainUnreachableException($"the chain at {_rpcUrl} does not answer ({e.InnerException?.Message ?? e.Message})", e);
        }
        catch (HttpRequestException e)
        {
            throw new ChainUnreachableException($"the chain at {_rpcUrl} does not answer ({e.Message})", e);
        }
    }

    [Function("isValidSignature", "bytes4")]
    private sealed class IsValidSignatureFunction : FunctionMessage
    {
        [Parameter("bytes32", "hash", 1)] public byte[] Hash { get; set; } = [];
        [Parameter("bytes", "signature", 2)] public byte[] Signature { get; set; } = [];
    }
}
