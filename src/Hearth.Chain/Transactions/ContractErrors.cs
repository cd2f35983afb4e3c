using System.Numerics;
using System.Text;
using System.Text.Json;
using Hearth.Protocol;
using Hearth.Protocol.Contracts;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;
using Nethereum.Util;

namespace Hearth.Chain.Transactions;

/// <summary>A transaction or call that the chain refused, with the contract's named error decoded.</summary>
public sealed class ContractRevertException(string message, string errorName, IReadOnlyDictionary<string, object?> arguments, string? data)
    : Exception(message)
{
    /// <summary>The custom error's name (e.g. "InsufficientBalance"), or "Error"/"Panic"/"Unknown".</summary>
    public string ErrorName { get; } = errorName;

    public IReadOnlyDictionary<string, object?> Arguments { get; } = arguments;

    public string? RevertData { get; } = data;
}

/// <summary>Turns revert data into a clear message, from the custom errors declared in the compiled contracts' ABIs.</summary>
public sealed class ContractErrors
{
    private static readonly string[] PartyNames = ["app", "dataset", "workerpool", "requester"];
    private readonly Dictionary<string, (string Name, Parameter[] Inputs, string[] InternalTypes)> _bySelector = new();

    public static ContractErrors Instance { get; } = new(ContractArtifacts.Each);

    public ContractErrors(IEnumerable<ContractArtifact> artifacts)
    {
        foreach (var artifact in artifacts)
        {
            using var abi = JsonDocument.Parse(artifact.Abi);
            foreach (var item in abi.RootElement.EnumerateArray())
            {
                if (item.GetProperty("type").GetString() != "error") continue;
                var name = item.GetProperty("name").GetString()!;
                var inputs = item.GetProperty("inputs").EnumerateArray().ToArray();
                var types = inputs.Select(i => i.GetProperty("type").GetString()!).ToArray();
                var parameters = inputs.Select((i, n) => new Parameter(types[n], i.GetProperty("name").GetString(), n + 1)).ToArray();
                var internalTypes = inputs.Select(i => i.TryGetProperty("internalType", out var t) ? t.GetString() ?? "" : "").ToArray();
                var selector = Selector($"{name}({string.Join(',', types)})");
                _bySelector.TryAdd(selector, (name, parameters, internalTypes));
            }
        }
        _bySelector.TryAdd(Selector("Error(string)"), ("Error", [new Parameter("string", "reason", 1)], [""]));
        _bySelector.TryAdd(Selector("Panic(uint256)"), ("Panic", [new Parameter("uint256", "code", 1)], [""]));
    }

    public ContractRevertException Decode(string? revertData, string context)
    {
        if (string.IsNullOrEmpty(revertData) || revertData.Length < 10 || !_bySelector.TryGetValue(revertData[2..10].ToLowerInvariant(), out var error))
        {
            return new ContractRevertException($"{context}: the contract refused it without a known reason ({revertData ?? "no revert data"})", "Unknown", new Dictionary<string, object?>(), revertData);
        }
        var arguments = new Dictionary<string, object?>();
        try
        {
            var outputs = new ParameterDecoder().DecodeDefaultData(revertData[10..], error.Inputs);
            for (var i = 0; i < outputs.Count; i++)
            {
                var value = outputs[i].Result;
                if (error.InternalTypes[i].StartsWith("enum ", StringComparison.Ordinal) && error.InternalTypes[i].EndsWith(".Party", StringComparison.Ordinal) && value is BigInteger party && party < PartyNames.Length)
                    value = PartyNames[(int)party];
                if (value is byte[] bytes) value = "0x" + Convert.ToHexStringLower(bytes);
                arguments[error.Inputs[i].Name] = value;
            }
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or FormatException or InvalidOperationException)
        {
            return new ContractRevertException($"{context}: {error.Name} (undecodable arguments)", error.Name, arguments, revertData);
        }
        var detail = arguments.Count == 0 ? "" : " (" + string.Join(", ", arguments.Select(a => $"{a.Key}: {a.Value}")) + ")";
        var explanation = Explain(error.Name, arguments);
        return new ContractRevertException($"{context}: {error.Name}{detail}{(explanation is null ? "" : " — " + explanation)}", error.Name, arguments, revertData);
    }

    private static string? Explain(string name, IReadOnlyDictionary<string, object?> a) => name switch
    {
        "InsufficientBalance" => $"account {a["account"]} has {Tokens.Format(a["available"])} free in the market escrow but needs {Tokens.Format(a["required"])}; deposit more",
        "InsufficientStake" => $"account {a["account"]} has {Tokens.Format(a["available"])} of stake but {Tokens.Format(a["required"])} is needed "
            + "(a settlement puts the deal's worker stake, at least the market's minimum, behind each of a worker's contributions in it, unbonding stake included); stake more",
        "CallbacksRefused" => $"workerpool {a["workerpool"]} does not accept requests with a callback contract; choose a pool registered with callbacks accepted, or leave the request's callback empty",
        "BadCategory" => "a category's deadline (10 × its time) must end before the market's unbonding period, and its time must not be 0",
        "ZeroScheduler" => "a pool needs a scheduler address, not zero",
        "BadPolicy" => "a pool's percentages are at most 100",
        "BadSignature" => $"the {a["party"]} order's signature does not come from its owner, or it was signed for another chain or contract (an order whose signer is the zero address is always refused)",
        "OrderConsumed" => $"the {a["party"]} order has no volume left (consumed, matched or cancelled)",
        "OrderExpired" => $"the {a["party"]} order expired",
        "PriceTooHigh" => $"the {a["party"]} price is above the request's maximum",
        "Restricted" => $"the {a["restrictingParty"]} order is restricted to another {a["what"]}",
        "Mismatch" => $"the orders name different {a["what"]}s",
        "TrustTooHigh" => "the pool does not offer that much replication",
        "TagNotOffered" => "the pool does not offer every feature the request, app or dataset asks for",
        "UnknownCategory" => "no such category on this market",
        "NotScheduler" => "only the deal's scheduler may settle its tasks",
        "DeadlinePassed" => "the deal's deadline passed: its unsettled tasks can only be refunded",
        "DeadlineNotReached" => "a refund can be claimed only after the deal's deadline",
        "TaskAlreadyDone" => "that task was already settled or refunded",
        "NoConsensus" => "the contributions do not reach the deal's trust",
        "UnknownDeal" => "no deal with these terms",
        "ERC721NonexistentToken" => "no asset with that id is registered",
        _ => null,
    };

    private static string Selector(string signature) =>
        Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(signature)).AsSpan(0, 4));
}
