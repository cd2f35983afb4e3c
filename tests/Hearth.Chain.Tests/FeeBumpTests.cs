using System.Numerics;
using Hearth.Chain.Anvil;
using Hearth.Chain.Transactions;

namespace Hearth.Chain.Tests;

/// <summary>
/// A transaction left in the node's pool (a price under the market's, a miner that ignores it) is replaced with the
/// same nonce at a higher price, and the sender returns whichever was mined: one transaction, never two.
/// </summary>
public sealed class FeeBumpTests
{
    [Fact]
    public async Task A_transaction_not_mined_is_replaced_at_a_higher_price_and_only_one_is_mined()
    {
        await using var anvil = await AnvilLauncher.StartAsync();
        var control = new AnvilControl(anvil.RpcUrl);
        var sender = new TransactionSender(anvil.RpcUrl, anvil.PrivateKeys[1], anvil.ChainId,
            new SenderOptions { FeeBumpAfter = TimeSpan.FromMilliseconds(300), ReceiptTimeout = TimeSpan.FromSeconds(30) });
        var to = new Nethereum.Signer.EthECKey(anvil.PrivateKeys[2]).GetPublicAddress();
        var startPrice = (await sender.Web3.Eth.GasPrice.SendRequestAsync()).Value;
        var nonceBefore = (await sender.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(sender.Address)).Value;

        await control.SetAutomineAsync(false);
        var sending = sender.SendAsync(to, "0x", "a transfer left in the pool", CancellationToken.None, value: 1, gasLimit: 21_000);
        // Long enough for the first transaction and at least two replacements to wait in the pool.
        await Task.Delay(1_200);
        Assert.False(sending.IsCompleted);
        await control.MineAsync();
        var result = await sending;
        await control.SetAutomineAsync(true);

        var mined = await sender.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(result.Hash);
        Assert.True(mined.GasPrice.Value > startPrice + startPrice / 8, $"mined at {mined.GasPrice.Value}, started at {startPrice}");
        Assert.Equal(nonceBefore, mined.Nonce.Value);
        Assert.Equal(nonceBefore + 1, (await sender.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(sender.Address)).Value);
        // The next send goes on from the next nonce.
        var next = await sender.SendAsync(to, "0x", "a transfer after it", CancellationToken.None, value: 1, gasLimit: 21_000);
        Assert.Equal(nonceBefore + 1, (await sender.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(next.Hash)).Nonce.Value);
    }

    [Fact]
    public async Task A_ceiling_stops_the_bumps_and_the_wait_ends_in_a_timeout_naming_every_hash()
    {
        await using var anvil = await AnvilLauncher.StartAsync();
        var control = new AnvilControl(anvil.RpcUrl);
        var startPrice = (await new Nethereum.Web3.Web3(anvil.RpcUrl).Eth.GasPrice.SendRequestAsync()).Value;
        var sender = new TransactionSender(anvil.RpcUrl, anvil.PrivateKeys[1], anvil.ChainId,
            new SenderOptions { FeeBumpAfter = TimeSpan.FromMilliseconds(200), ReceiptTimeout = TimeSpan.FromSeconds(2), MaxGasPrice = startPrice + startPrice / 4 });
        var to = new Nethereum.Signer.EthECKey(anvil.PrivateKeys[2]).GetPublicAddress();
        await control.SetAutomineAsync(false);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => sender.SendAsync(to, "0x", "a transfer never mined", CancellationToken.None, value: 1, gasLimit: 21_000));
        // The first price, one bump (an eighth up), then the ceiling: three hashes at most, whatever the wait.
        var hashes = timeout.Message.Split("0x").Length - 1;
        Assert.InRange(hashes, 2, 3);
        await control.SetAutomineAsync(true);
    }
}
