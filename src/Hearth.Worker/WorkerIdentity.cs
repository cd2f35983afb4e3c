using System.Numerics;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Nethereum.Signer;

namespace Hearth.Worker;

/// <summary>
/// The worker's wallet: it signs logins (EIP-191) and contributions (EIP-712), and never a transaction. It keeps one
/// result chain per deal (<see cref="ResultChain"/>), extended and signed with each result, so that lone results settle
/// in runs under one signature. A chain forgotten (a restart, a deal evicted) starts again from a zero head: the runs
/// before and after the gap are each still proven.
/// </summary>
public sealed class WorkerIdentity
{
    /// <summary>The deals whose chains are kept; the least recently extended is forgotten first.</summary>
    public const int ChainsKept = 4_096;

    private readonly Dictionary<Hash32, (Hash32 Head, long Used)> _chains = [];
    private long _uses;

    private static readonly BigInteger CurveOrder =
        BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private readonly EthECKey _key;

    public WorkerIdentity(string privateKey, Eip712Domain domain)
    {
        if (!IsValidPrivateKey(privateKey))
            throw new ArgumentException("The worker's private key must be 0x and 64 hex digits, a non-zero secp256k1 key.", nameof(privateKey));
        _key = new EthECKey(privateKey);
        Address = _key.GetPublicAddress();
        Domain = domain;
    }

    /// <summary>The worker's address, EIP-55 checksummed.</summary>
    public string Address { get; }

    /// <summary>The EIP-712 domain contributions are signed in.</summary>
    public Eip712Domain Domain { get; }

    public static bool IsValidPrivateKey(string? key)
    {
        if (key is not { Length: 66 } || !key.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            || key.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") >= 0)
            return false;
        var value = new BigInteger(Convert.FromHexString(key.AsSpan(2)), isUnsigned: true, isBigEndian: true);
        return value > 0 && value < CurveOrder;
    }

    /// <summary>EIP-191 personal_sign of a UTF-8 text, 0x-prefixed hex.</summary>
    public string SignMessage(string message) => Signatures.SignMessage(message, _key.GetPrivateKeyAsBytes());

    /// <summary>The 65-byte EIP-712 contribution signature over a task's result digest.</summary>
    public byte[] SignContribution(Hash32 taskId, Hash32 digest) => ContributionSigning.Sign(Domain, taskId, digest, _key);

    /// <summary>The 65-byte EIP-712 RunLogs signature: these logs are what the run that left this result printed.</summary>
    public byte[] SignRunLogs(Hash32 taskId, Hash32 result, Hash32 logs) => RunLogsSigning.Sign(Domain, taskId, result, logs, _key);

    /// <summary>Extends the deal's result chain with a result and signs the new head; returns the head before it.</summary>
    public (Hash32 Start, byte[] Signature) SignInChain(Hash32 dealId, long taskIndex, Hash32 digest)
    {
        lock (_chains)
        {
            var start = _chains.TryGetValue(dealId, out var chain) ? chain.Head : default;
            var head = ResultChain.Next(start, taskIndex, digest);
            if (_chains.Count >= ChainsKept && !_chains.ContainsKey(dealId))
                _chains.Remove(_chains.MinBy(c => c.Value.Used).Key);
            _chains[dealId] = (head, ++_uses);
            return (start, ResultChain.Sign(Domain, dealId, head, _key));
        }
    }
}
