namespace Hearth.Sandbox;

/// <summary>Counts of module loads by where the compiled code came from, since the runner started.</summary>
public sealed record ModuleCacheStatistics(long Compilations, long DiskHits, long MemoryHits);
