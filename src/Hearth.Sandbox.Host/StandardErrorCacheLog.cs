using Hearth.Sandbox.Execution;

namespace Hearth.Sandbox.Host;

/// <summary>Writes the module cache's warnings as single lines to stderr, which the runner reads and logs; stdout is the protocol's.</summary>
internal sealed class StandardErrorCacheLog : IModuleCacheLog
{
    public void ModuleCompiled(string moduleSha256, int sizeBytes, long elapsedMs)
    {
    }

    public void CacheFileDiscarded(string path, Exception exception) =>
        Console.Error.WriteLine($"discarding unreadable cached module {path}: {FirstLine(exception)}");

    public void CacheFileNotWritten(string path, Exception exception) =>
        Console.Error.WriteLine($"could not write cached module {path}: {FirstLine(exception)}");

    private static string FirstLine(Exception exception) => exception.Message.Split('\n', 2)[0].Trim();
}
