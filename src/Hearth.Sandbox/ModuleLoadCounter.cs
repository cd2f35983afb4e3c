namespace Hearth.Sandbox;

/// <summary>Counts where the compiled code of each run came from, wherever the run took place.</summary>
internal sealed class ModuleLoadCounter
{
    private long _compilations;
    private long _diskHits;
    private long _memoryHits;

    public ModuleCacheStatistics Statistics =>
        new(Interlocked.Read(ref _compilations), Interlocked.Read(ref _diskHits), Interlocked.Read(ref _memoryHits));

    /// <summary>Counts one load; null (the bytes were not a module) counts nothing.</summary>
    public void Count(ModuleSource? source)
    {
        switch (source)
        {
            case ModuleSource.Compiled:
                Interlocked.Increment(ref _compilations);
                break;
            case ModuleSource.DiskCache:
                Interlocked.Increment(ref _diskHits);
                break;
            case ModuleSource.MemoryCache:
                Interlocked.Increment(ref _memoryHits);
                break;
        }
    }
}
