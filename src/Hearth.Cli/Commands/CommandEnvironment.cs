using System.CommandLine;
using System.Text.Json;
using Hearth.Chain.Market;
using Hearth.Chain.Transactions;
using Hearth.Cli.Config;
using Hearth.Cli.Wallets;

namespace Hearth.Cli.Commands;

/// <summary>The options every command shares, and what they resolve to: the network, the wallet, a client.</summary>
public sealed class CommandEnvironment(CliContext context)
{
    public static readonly Option<string?> NetworkOption = new("--network") { Description = "Network profile file (default $HEARTH_NETWORK or ~/.hearth/network.json).", Recursive = true };
    public static readonly Option<string?> WalletOption = new("--wallet") { Description = "Wallet address (or prefix, or keystore file); default $HEARTH_WALLET or the only one.", Recursive = true };
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Print JSON instead of text.", Recursive = true };

    private static readonly JsonSerializerOptions JsonOut = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public CliContext Context { get; } = context;

    public KeystoreWallets Wallets => new(Path.Combine(Context.Home, "keystore"));

    public NetworkProfile Network(ParseResult parse) => NetworkProfile.Load(Context, parse.GetValue(NetworkOption));

    /// <summary>The password: $HEARTH_PASSWORD, else a prompt on an interactive terminal.</summary>
    public string Password(string prompt = "Password: ")
    {
        if (Context.Environment("HEARTH_PASSWORD") is { } fromEnv) return fromEnv;
        if (!Context.Interactive || Context.Input is null)
            throw new CliException("no password: set HEARTH_PASSWORD or run in a terminal");
        Context.Out.Write(prompt);
        return ReadHidden();
    }

    public string PrivateKey(ParseResult parse)
    {
        var wallet = Wallets.Find(parse.GetValue(WalletOption) ?? Context.Environment("HEARTH_WALLET"));
        return Wallets.Unlock(wallet, Password($"Password for {wallet.Address}: "));
    }

    public HearthClient Client(ParseResult parse)
    {
        var network = Network(parse);
        return new HearthClient(new TransactionSender(network.RpcUrl, PrivateKey(parse), network.ChainId), network.Deployment);
    }

    /// <summary>A client for reads only: no wallet needed (a throw-away key signs nothing).</summary>
    public HearthClient Reader(ParseResult parse)
    {
        var network = Network(parse);
        return new HearthClient(new TransactionSender(network.RpcUrl, Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey(), network.ChainId), network.Deployment);
    }

    public bool Json(ParseResult parse) => parse.GetValue(JsonOption);

    /// <summary>Prints <paramref name="value"/> as JSON with --json, else the text lines.</summary>
    public void Print(ParseResult parse, object value, params string[] text)
    {
        if (Json(parse)) Context.Out.WriteLine(JsonSerializer.Serialize(value, JsonOut));
        else foreach (var line in text) Context.Out.WriteLine(line);
    }

    private string ReadHidden()
    {
        if (!Console.IsInputRedirected && ReferenceEquals(Context.Input, Console.In))
        {
            var chars = new System.Text.StringBuilder();
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter) break;
                if (key.Key == ConsoleKey.Backspace && chars.Length > 0) chars.Length--;
                else if (!char.IsControl(key.KeyChar)) chars.Append(key.KeyChar);
            }
            Context.Out.WriteLine();
            return chars.ToString();
        }
        return Context.Input!.ReadLine() ?? "";
    }
}
