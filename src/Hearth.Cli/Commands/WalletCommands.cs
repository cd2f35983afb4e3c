using System.CommandLine;

namespace Hearth.Cli.Commands;

/// <summary>`hearth wallet create|import|list`.</summary>
public static class WalletCommands
{
    public static Command Create(CommandEnvironment env)
    {
        var wallet = new Command("wallet", "Keystores in the Web3 Secret Storage format (as geth and MetaMask export).");

        var create = new Command("create", "Create a new wallet, encrypted with a password.");
        create.SetAction(parse =>
        {
            var entry = env.Wallets.Create(NewPassword(env));
            env.Print(parse, new { address = entry.Address, file = entry.Path }, $"created wallet {entry.Address}", $"keystore {entry.Path}");
        });

        var key = new Option<string?>("--key") { Description = "A private key in hex (or set HEARTH_IMPORT_KEY)." };
        var file = new Option<string?>("--file") { Description = "A keystore file exported by another wallet." };
        var import = new Command("import", "Import a private key or a keystore file.") { key, file };
        import.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            var hex = parse.GetValue(key) ?? env.Context.Environment("HEARTH_IMPORT_KEY");
            if ((path is null) == (hex is null)) throw new CliException("give exactly one of --key or --file");
            var entry = path is not null ? env.Wallets.ImportFile(path, env.Password()) : env.Wallets.Import(hex!, NewPassword(env));
            env.Print(parse, new { address = entry.Address, file = entry.Path }, $"imported wallet {entry.Address}");
        });

        var list = new Command("list", "List the wallets.");
        list.SetAction(parse =>
        {
            var all = env.Wallets.List();
            env.Print(parse, all.Select(e => new { address = e.Address, file = e.Path }),
                all.Count == 0 ? [$"no wallet in {env.Wallets.Folder}"] : all.Select(e => $"{e.Address}  {e.Path}").ToArray());
        });

        wallet.Subcommands.Add(create);
        wallet.Subcommands.Add(import);
        wallet.Subcommands.Add(list);
        return wallet;
    }

    private static string NewPassword(CommandEnvironment env)
    {
        var password = env.Password("New password: ");
        if (password.Length < 8) throw new CliException("a wallet password needs at least 8 characters");
        return password;
    }
}
