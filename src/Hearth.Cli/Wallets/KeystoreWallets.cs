using System.Text.Json;
using Nethereum.KeyStore;
using Nethereum.KeyStore.Crypto;
using Nethereum.Signer;

namespace Hearth.Cli.Wallets;

/// <summary>Wallets as Web3 Secret Storage keystore files (the format geth and MetaMask export), one per file in
/// $HEARTH_HOME/keystore.</summary>
public sealed class KeystoreWallets(string folder)
{
    private readonly KeyStoreService _service = new();

    public string Folder { get; } = folder;

    public sealed record Entry(string Address, string Path);

    public IReadOnlyList<Entry> List()
    {
        if (!Directory.Exists(Folder)) return [];
        var entries = new List<Entry>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json").Order())
        {
            var address = ReadAddress(file);
            if (address is not null) entries.Add(new Entry(address, file));
        }
        return entries;
    }

    public Entry Create(string password) => Save(EthECKey.GenerateKey(), password);

    public Entry Import(string privateKeyHex, string password)
    {
        EthECKey key;
        try
        {
            key = new EthECKey(privateKeyHex);
            _ = key.GetPublicAddress();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new CliException("that is not a private key (64 hex digits, optionally 0x-prefixed)");
        }
        return Save(key, password);
    }

    /// <summary>Imports a keystore file exported by another wallet, after checking the password opens it.</summary>
    public Entry ImportFile(string path, string password)
    {
        if (!File.Exists(path)) throw new CliException($"no such file: {path}");
        var json = File.ReadAllText(path);
        return Save(new EthECKey(Decrypt(json, password, path), true), password);
    }

    /// <summary>The wallet named by address (or a unique address prefix, or a file), or the only one there is.</summary>
    public Entry Find(string? selector)
    {
        if (selector is not null && File.Exists(selector))
            return new Entry(ReadAddress(selector) ?? throw new CliException($"{selector} is not a keystore file"), selector);
        var all = List();
        if (all.Count == 0) throw new CliException($"no wallet in {Folder}: create one with `hearth wallet create` or `hearth wallet import`");
        if (selector is null)
            return all.Count == 1 ? all[0] : throw new CliException($"{all.Count} wallets in {Folder}: choose one with --wallet <address> or HEARTH_WALLET");
        var matches = all.Where(e => e.Address.StartsWith(selector, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? matches[0] : throw new CliException(matches.Count == 0 ? $"no wallet {selector} in {Folder}" : $"{selector} names {matches.Count} wallets; give more of the address");
    }

    public string Unlock(Entry entry, string password) =>
        Convert.ToHexStringLower(Decrypt(File.ReadAllText(entry.Path), password, entry.Path));

    private byte[] Decrypt(string json, string password, string path)
    {
        try
        {
            return _service.DecryptKeyStoreFromJson(password, json);
        }
        catch (DecryptionException)
        {
            throw new CliException($"wrong password for the wallet in {path}");
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // The file comes from outside: whatever the keystore parser trips on, it is not a usable keystore.
            throw new CliException($"{path} is not a readable keystore file ({e.Message})");
        }
    }

    private Entry Save(EthECKey key, string password)
    {
        var address = key.GetPublicAddress();
        var json = _service.EncryptAndGenerateDefaultKeyStoreAsJson(password, key.GetPrivateKeyAsBytes(), address);
        CreatePrivateFolder(Folder);
        var path = Path.Combine(Folder, _service.GenerateUTCFileName(address) + ".json");
        if (List().Any(e => e.Address.Equals(address, StringComparison.OrdinalIgnoreCase)))
            throw new CliException($"wallet {address} is already in {Folder}");
        // Readable by its owner only, from the moment it exists: never written first and restricted after.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(json);
        }
        return new Entry(address, path);
    }

    private static string? ReadAddress(string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            return doc.RootElement.TryGetProperty("address", out var a) && a.GetString() is { } hex
                ? new Nethereum.Util.AddressUtil().ConvertToChecksumAddress(hex.StartsWith("0x", StringComparison.Ordinal) ? hex : "0x" + hex)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
