using System.CommandLine;
using Hearth.Chain;

namespace Hearth.Cli.Commands;

/// <summary>`hearth account deposit|withdraw|stake|balance`: the wallet's escrow account in the market.</summary>
public static class AccountCommands
{
    public static Command Create(CommandEnvironment env)
    {
        var account = new Command("account", "Your escrow account in the market (amounts in HRTH).");
        account.Subcommands.Add(Move(env, "deposit", "Move tokens from the wallet into the market's escrow.", (c, a, ct) => c.DepositAsync(a, ct)));
        account.Subcommands.Add(Move(env, "withdraw", "Move free escrow funds back to the wallet.", (c, a, ct) => c.WithdrawAsync(a, ct)));
        account.Subcommands.Add(Move(env, "stake", "Stake free funds as a worker (slashable when the worker's results disagree).", (c, a, ct) => c.StakeAsync(a, ct)));
        account.Subcommands.Add(Move(env, "unstake", "Start unbonding staked funds.", (c, a, ct) => c.RequestUnstakeAsync(a, ct)));

        var address = new Option<string?>("--address") { Description = "Another account to read (no wallet needed)." };
        var pool = new Option<string?>("--pool") { Description = "Also show the account's reputation (score) in this workerpool: scores are kept per pool." };
        var balance = new Command("balance", "Wallet tokens, escrow balance, locked funds and stake; with --pool, the score in that pool.") { address, pool };
        balance.SetAction(async (parse, ct) =>
        {
            var who = parse.GetValue(address);
            var poolId = parse.GetValue(pool) is { } text ? AssetCommands.ParseId(text, "workerpool") : (System.Numerics.BigInteger?)null;
            var client = who is null ? env.Client(parse) : env.Reader(parse);
            who ??= client.Address;
            var a = await client.GetAccountAsync(who, ct);
            var wallet = await client.TokenBalanceAsync(who, ct);
            var score = poolId is { } id ? await client.GetScoreAsync(who, id, ct) : (long?)null;
            List<string> lines =
            [
                $"account    {who}",
                $"wallet     {Tokens.Format(wallet)}",
                $"free       {Tokens.Format(a.Balance)}",
                $"locked     {Tokens.Format(a.Locked)}",
                $"stake      {Tokens.Format(a.Stake)}",
                $"unbonding  {Tokens.Format(a.Unbonding)}",
            ];
            if (score is { } s) lines.Add($"score      {s} in workerpool {poolId}");
            env.Print(parse, new
            {
                address = who, wallet = wallet.ToString(), balance = a.Balance.ToString(), locked = a.Locked.ToString(), stake = a.Stake.ToString(),
                unbonding = a.Unbonding.ToString(), pool = poolId?.ToString(), score,
            }, [.. lines]);
            return 0;
        });
        account.Subcommands.Add(balance);
        return account;
    }

    private static Command Move(CommandEnvironment env, string name, string description, Func<Hearth.Chain.Market.HearthClient, System.Numerics.BigInteger, CancellationToken, Task<Hearth.Chain.Transactions.TransactionResult>> act)
    {
        var amount = new Argument<decimal>("amount") { Description = "Amount in HRTH." };
        var command = new Command(name, description) { amount };
        command.SetAction(async (parse, ct) =>
        {
            var value = parse.GetValue(amount);
            if (value <= 0) throw new CliException("the amount must be positive");
            var client = env.Client(parse);
            var tx = await act(client, Tokens.FromHrth(value), ct);
            env.Print(parse, new { transaction = tx.Hash, gasUsed = tx.GasUsed }, $"{name} of {value} HRTH done (transaction {tx.Hash}, {tx.GasUsed} gas)");
            return 0;
        });
        return command;
    }
}
