using Hearth.Cli.Wallets;

namespace Hearth.EndToEnd.Tests;

/// <summary>Keystore files hold an encrypted key: only their owner may read them, whatever the umask.</summary>
public sealed class KeystoreFileTests
{
    [Fact]
    public void A_new_keystore_and_its_folder_are_private_to_their_owner()
    {
        if (OperatingSystem.IsWindows()) return;
        var home = Directory.CreateTempSubdirectory("hearth-keystore-").FullName;
        try
        {
            var folder = Path.Combine(home, "keystore");
            var wallets = new KeystoreWallets(folder);
            var created = wallets.Create("a-long-password");
            var imported = wallets.Import("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba", "a-long-password");

            var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(owner, File.GetUnixFileMode(created.Path));
            Assert.Equal(owner, File.GetUnixFileMode(imported.Path));
            Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
