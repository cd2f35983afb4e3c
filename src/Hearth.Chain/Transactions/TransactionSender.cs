using System.Numerics;
using System.Text.RegularExpressions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace Hearth.Chain.Transactions;

/// <summary>The outcome of a mined transaction.</summary>
public sealed record TransactionResult(string Hash, long GasUsed, long BlockNumber, TransactionReceipt Receipt);

public sealed record SenderOptions
{
    /// <summary>Gas limit = estimate × this factor (the estimate can move between estimation and mining).</summary>
    public double GasMargin { get; init; } = 1.2;

    public TimeSpan ReceiptPollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts for a send that fails for a transient reason (a stale nonce, a dropped connection).</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>
    /// A transaction not mined after this long is sent again with the same nonce and a gas price an eighth higher (at
    /// least the node's current price), replacing it in the node's pool, and so on until <see cref="ReceiptTimeout"/>:
    /// a transaction priced under a rising market is not left stuck. Null: never.
    /// </summary>
    public TimeSpan? FeeBumpAfter { get; init; }

    /// <summary>The highest gas price a fee bump may offer, in wei; null: no ceiling.</summary>
    public BigInteger? MaxGasPrice { get; init; }
}

/// <summary>
/// Sends transactions from one account: keeps the nonce locally (one transaction at a time, in order),
/// estimates gas (or, given a known upper bound, checks the call once), decodes the contract's named errors before anything is spent, retries transient failures,
/// and waits for the receipt.
/// </summary>
public sealed partial class TransactionSender
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly SenderOptions _options;
    private BigInteger? _nextNonce;

    public TransactionSender(string rpcUrl, string privateKey, long chainId, SenderOptions? options = null)
    {
        Account = new Account(privateKey, chainId);
        Web3 = new Web3(Account, rpcUrl);
        Web3.TransactionManager.UseLegacyAsDefault = true;
        _options = options ?? new SenderOptions();
    }

    public Account Account { get; }

    public string Address => Account.Address;

    public Web3 Web3 { get; }

    /// <param name="gasLimit">
    /// A known upper bound of the gas the call needs: the call is then run once on the latest state to catch a revert,
    /// instead of estimated (a node's estimate is a binary search that runs the call a dozen times or more).
    /// Gas left unused is not paid for.
    /// </param>
    public async Task<TransactionResult> SendAsync(string? to, string data, string what, CancellationToken ct, BigInteger? value = null, long? gasLimit = null)
    {
        await _lock.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var input = new TransactionInput { Data = data, To = to, From = Address, Value = value is null ? null : new HexBigInteger(value.Value) };
                input.Gas = gasLimit is { } limit
                    ? await CheckAsync(input, limit, what, ct)
                    : new HexBigInteger(new BigInteger((double)(await EstimateAsync(input, what, ct)).Value * _options.GasMargin) + 10_000);
                input.GasPrice = await Web3.Eth.GasPrice.SendRequestAsync();
                _nextNonce ??= (await Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending())).Value;
                input.Nonce = new HexBigInteger(_nextNonce.Value);
                string hash;
                try
                {
                    var raw = await Web3.TransactionManager.SignTransactionAsync(input);
                    hash = await Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw.StartsWith("0x", StringComparison.Ordinal) ? raw : "0x" + raw);
                }
                catch (RpcResponseException e) when (attempt < _options.Attempts && IsNonceProblem(e.Message))
                {
                    _nextNonce = null;
                    continue;
                }
                _nextNonce++;
                var receipt = await WaitForReceiptAsync(input, hash, ct);
                if (receipt.Status?.Value == 0)
                    throw await ExplainFailureAsync(input, receipt, what, ct);
                return new TransactionResult(receipt.TransactionHash, (long)receipt.GasUsed.Value, (long)receipt.BlockNumber.Value, receipt);
            }
        }
        catch (RpcClientUnknownException e)
        {
            _nextNonce = null;
            throw new ChainUnreachableException($"{what}: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>An eth_call; a revert comes back as a <see cref="ContractRevertException"/>.</summary>
    public async Task<string> CallAsync(string to, string data, string what, CancellationToken ct)
    {
        try
        {
            return await Web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(data, to) { From = Address });
        }
        catch (RpcResponseException e)
        {
            throw ContractErrors.Instance.Decode(RevertData(e), what);
        }
        catch (RpcClientUnknownException e)
        {
            throw new ChainUnreachableException($"{what}: the chain's JSON-RPC endpoint does not answer ({e.InnerException?.Message ?? e.Message})", e);
        }
    }

    private async Task<HexBigInteger> EstimateAsync(TransactionInput input, string what, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return await Web3.Eth.Transactions.EstimateGas.SendRequestAsync(new CallInput(input.Data, input.To, input.Value) { From = input.From });
        }
        catch (RpcResponseException e)
        {
            throw ContractErrors.Instance.Decode(RevertData(e), what);
        }
    }

    /// <summary>Runs the call once with <paramref name="gasLimit"/>; a revert (out of gas included) is decoded before anything is spent.</summary>
    private async Task<HexBigInteger> CheckAsync(TransactionInput input, long gasLimit, string what, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var gas = new HexBigInteger(gasLimit);
        try
        {
            await Web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(input.Data, input.To, input.Value) { From = input.From, Gas = gas });
            return gas;
        }
        catch (RpcResponseException e)
        {
            throw ContractErrors.Instance.Decode(RevertData(e), what);
        }
    }

    /// <summary>
    /// Waits for the receipt of the transaction or of any of its replacements: past <see cref="SenderOptions.FeeBumpAfter"/>
    /// without one, the same transaction (same nonce) is signed again at a higher gas price and sent, and every hash sent
    /// is watched, since any of them may be the one mined.
    /// </summary>
    private async Task<TransactionReceipt> WaitForReceiptAsync(TransactionInput input, string hash, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ReceiptTimeout);
        var hashes = new List<string> { hash };
        var nextBump = _options.FeeBumpAfter is { } after ? DateTime.UtcNow + after : DateTime.MaxValue;
        while (true)
        {
            foreach (var h in hashes)
            {
                var receipt = await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(h);
                if (receipt is not null) return receipt;
            }
            if (DateTime.UtcNow >= nextBump)
            {
                if (await BumpAsync(input) is { } bumped) hashes.Add(bumped);
                nextBump = DateTime.UtcNow + _options.FeeBumpAfter!.Value;
            }
            try
            {
                await Task.Delay(_options.ReceiptPollInterval, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"transaction {string.Join(", ", hashes)} was not mined within {_options.ReceiptTimeout}");
            }
        }
    }

    /// <summary>Signs <paramref name="input"/> again at a higher gas price and sends it; null when the node refused the
    /// replacement (the original was mined meanwhile, or the ceiling leaves no room): the hashes already sent are watched.</summary>
    private async Task<string?> BumpAsync(TransactionInput input)
    {
        var price = input.GasPrice.Value;
        var bumped = BigInteger.Max(price + price / 8 + 1, (await Web3.Eth.GasPrice.SendRequestAsync()).Value);
        if (_options.MaxGasPrice is { } ceiling && bumped > ceiling) bumped = ceiling;
        if (bumped <= price) return null;
        input.GasPrice = new HexBigInteger(bumped);
        try
        {
            var raw = await Web3.TransactionManager.SignTransactionAsync(input);
            return await Web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw.StartsWith("0x", StringComparison.Ordinal) ? raw : "0x" + raw);
        }
        catch (RpcResponseException)
        {
            input.GasPrice = new HexBigInteger(price);
            return null;
        }
    }

    private async Task<Exception> ExplainFailureAsync(TransactionInput input, TransactionReceipt receipt, string what, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            await Web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(input.Data, input.To, input.Value) { From = input.From, Gas = input.Gas }, new BlockParameter(receipt.BlockNumber));
            return new ContractRevertException($"{what}: transaction {receipt.TransactionHash} failed on chain (out of gas at {receipt.GasUsed.Value}?)", "Unknown", new Dictionary<string, object?>(), null);
        }
        catch (RpcResponseException e)
        {
            return ContractErrors.Instance.Decode(RevertData(e), what);
        }
    }

    internal static string? RevertData(RpcResponseException e)
    {
        var data = e.RpcError?.Data?.ToString();
        var match = HexData().Match(data ?? "");
        if (match.Success) return match.Value;
        match = HexData().Match(e.RpcError?.Message ?? e.Message);
        return match.Success ? match.Value : null;
    }

    private static bool IsNonceProblem(string message) =>
        message.Contains("nonce", StringComparison.OrdinalIgnoreCase) || message.Contains("already known", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("0x[0-9a-fA-F]{8,}")]
    private static partial Regex HexData();
}

/// <summary>The JSON-RPC endpoint could not be reached.</summary>
public sealed class ChainUnreachableException(string message, Exception inner) : Exception(message, inner);
