using Hearth.Sandbox.Execution;
using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox;

/// <summary>The module cache's reports, logged by the runner.</summary>
internal sealed class ModuleCacheLogger(ILogger logger) : IModuleCacheLog
{
    public void ModuleCompiled(string moduleSha256, int sizeBytes, long elapsedMs) =>
        SandboxLog.ModuleCompiled(logger, moduleSha256, sizeBytes, elapsedMs);

    public void CacheFileDiscarded(string path, Exception exception) => SandboxLog.CacheFileDiscarded(logger, path, exception);

    public void CacheFileNotWritten(string path, Exception exception) => SandboxLog.CacheFileNotWritten(logger, path, exception);
}
