using System.Text;
using Hearth.Protocol;
using Nethereum.Signer;

namespace Hearth.Worker.Tests;

/// <summary>Well-known keys of the tests: derived from names, so every run and every reader sees the same addresses.</summary>
public static class TestKeys
{
    public static EthECKey Scheduler { get; } = Named("scheduler");

    /// <summary>A key that is not the pool's scheduler: what an attacker would sign assignments with.</summary>
    public static EthECKey Forger { get; } = Named("forger");

    public static string Worker(int n) => Hex(Named($"worker-{n}"));

    public static string Hex(EthECKey key) => "0x" + Convert.ToHexStringLower(key.GetPrivateKeyAsBytes());

    private static EthECKey Named(string name) => new(Hash32.Keccak(Encoding.UTF8.GetBytes("hearth-test-key:" + name)).ToArray(), true);
}
