namespace Hearth.Sandbox;

/// <summary>Where the compiled code of a run's module came from.</summary>
public enum ModuleSource
{
    /// <summary>Compiled now by Cranelift.</summary>
    Compiled,

    /// <summary>Deserialized from the cache folder.</summary>
    DiskCache,

    /// <summary>Already loaded in this process.</summary>
    MemoryCache,
}
