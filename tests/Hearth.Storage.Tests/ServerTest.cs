using Hearth.Storage.Http;

namespace Hearth.Storage.Tests;

/// <summary>Base of tests against a real Kestrel on loopback with a store in a temp folder; limit 1 MiB.</summary>
public abstract class ServerTest : IAsyncLifetime
{
    protected const long Limit = 1024 * 1024;

    protected TempDir Dir { get; } = new();

    protected StorageServerHandle Server { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    /// <summary>The options the server starts with; a test class may change the limits.</summary>
    protected virtual StorageOptions Options() => Build.Options(Dir, Limit);

    public async Task InitializeAsync()
    {
        Server = await Build.Server(Options());
        Http = Build.Http(Server.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Dir.Dispose();
    }

    /// <summary>Files in the store, uploads in progress included.</summary>
    protected string[] StoredFiles() => Dir.Files("store");
}
