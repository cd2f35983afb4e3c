using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.Web3;

namespace Hearth.Chain.Anvil;

/// <summary>Development-chain controls of anvil (and hardhat): snapshots, reverts that fork history, mining and time travel.
/// For tests only: a real chain answers "method not found".</summary>
public sealed class AnvilControl(string rpcUrl)
{
    private readonly IClient _client = new Web3(rpcUrl).Client;
    private int _id;

    /// <summary>Saves the chain's state; returns the id to revert to.</summary>
    public Task<string> SnapshotAsync(CancellationToken ct = default) => SendAsync<string>("evm_snapshot", ct);

    /// <summary>Goes back to a snapshot: every later block disappears, as in a reorganisation.</summary>
    public Task<bool> RevertAsync(string snapshot, CancellationToken ct = default) => SendAsync<bool>("evm_revert", ct, snapshot);

    /// <summary>Mines <paramref name="blocks"/> empty blocks.</summary>
    public async Task MineAsync(int blocks = 1, CancellationToken ct = default)
    {
        for (var i = 0; i < blocks; i++)
            await SendAsync<string>("evm_mine", ct);
    }

    /// <summary>Turns mining of each transaction as it arrives on or off (off: transactions wait in the pool for <see cref="MineAsync"/>).</summary>
    public Task SetAutomineAsync(bool on, CancellationToken ct = default) => SendAsync<object>("evm_setAutomine", ct, on);

    /// <summary>Moves the chain's clock forward; the next block carries the new time.</summary>
    public Task IncreaseTimeAsync(TimeSpan by, CancellationToken ct = default) =>
        SendAsync<object>("evm_increaseTime", ct, new HexBigInteger((long)by.TotalSeconds));

    private async Task<T> SendAsync<T>(string method, CancellationToken ct, params object[] args)
    {
        ct.ThrowIfCancellationRequested();
        var request = new RpcRequest(Interlocked.Increment(ref _id), method, args);
        return await _client.SendRequestAsync<T>(request).WaitAsync(ct);
    }
}
