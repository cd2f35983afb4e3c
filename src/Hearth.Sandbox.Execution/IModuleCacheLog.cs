namespace Hearth.Sandbox.Execution;

/// <summary>
/// What the module cache reports: the runner logs it, a sandbox host writes it to stderr.
/// (A host depends on nothing but the runtime and Wasmtime: an app's output folder may
/// lack a package the app gets from a shared framework.)
/// </summary>
internal interface IModuleCacheLog
{
    void ModuleCompiled(string moduleSha256, int sizeBytes, long elapsedMs);

    void CacheFileDiscarded(string path, Exception exception);

    void CacheFileNotWritten(string path, Exception exception);
}
