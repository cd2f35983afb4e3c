using System.Diagnostics;
using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// Compiled modules by engine and sha256 of the module bytes: a small in-memory LRU
/// in front of a folder of serialized modules, so a worker compiles an app once
/// per Wasmtime version and engine however often it runs it. Several processes (the
/// runner and its sandbox hosts) share the folder: files appear whole or not at all.
/// </summary>
internal sealed class ModuleCache
{
    private readonly string _directory;
    private readonly int _memoryEntries;
    private readonly IModuleCacheLog _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, Module Module)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, Module Module)> _recency = new();

    public ModuleCache(string directory, int memoryEntries, IModuleCacheLog log)
    {
        // Serialized code is only valid for the Wasmtime build that wrote it.
        _directory = Path.Combine(directory, "wasmtime-" + typeof(Engine).Assembly.GetName().Version);
        _memoryEntries = memoryEntries;
        _log = log;
    }

    /// <summary>
    /// Deletes the temporary files that writers killed mid-write (a host ended at a time limit) left in
    /// <paramref name="directory"/>; a file younger than <paramref name="olderThan"/> may still be being written and stays.
    /// Returns how many were deleted.
    /// </summary>
    public static int RemoveAbandonedWrites(string directory, TimeSpan olderThan)
    {
        if (!Directory.Exists(directory)) return 0;
        var removed = 0;
        var before = DateTime.UtcNow - olderThan;
        foreach (var file in Directory.EnumerateFiles(directory, "*.tmp", SearchOption.AllDirectories))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) >= before) continue;
                File.Delete(file);
                removed++;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another runner removed it first, or it is not ours to remove.
            }
        }
        return removed;
    }

    /// <summary>Loads the module; throws <see cref="WasmtimeException"/> when the bytes are not a valid module.</summary>
    public Module GetOrLoad(WasiEngine engine, byte[] wasm, string sha256, out ModuleSource source)
    {
        if (GetCompiled(engine, sha256, out source) is { } cached)
        {
            return cached;
        }
        var stopwatch = Stopwatch.StartNew();
        var module = Module.FromBytes(engine.Engine, sha256, wasm);
        _log.ModuleCompiled(sha256, wasm.Length, stopwatch.ElapsedMilliseconds);
        source = ModuleSource.Compiled;
        TryWrite(FilePath(engine, sha256), module);
        Remember(Key(engine, sha256), module);
        return module;
    }

    /// <summary>The module compiled earlier, from memory or from the folder; null when neither holds it.</summary>
    public Module? GetCompiled(WasiEngine engine, string sha256, out ModuleSource source)
    {
        var key = Key(engine, sha256);
        source = ModuleSource.MemoryCache;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value.Module;
            }
        }
        source = ModuleSource.DiskCache;
        if (TryDeserialize(engine.Engine, FilePath(engine, sha256), sha256) is not { } module)
        {
            return null;
        }
        Remember(key, module);
        return module;
    }

    private static string Key(WasiEngine engine, string sha256) => engine.CacheKey + "/" + sha256;

    private string FilePath(WasiEngine engine, string sha256) => Path.Combine(_directory, engine.CacheKey, sha256 + ".cwasm");

    private Module? TryDeserialize(Engine engine, string path, string sha256)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return Module.DeserializeFile(engine, sha256, path);
        }
        catch (WasmtimeException exception)
        {
            // A truncated file or one from another build: compile again and overwrite it.
            _log.CacheFileDiscarded(path, exception);
            File.Delete(path);
            return null;
        }
    }

    private void TryWrite(string path, Module module)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, module.Serialize());
            // The rename makes the file appear whole, so a concurrent reader never sees half of it.
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException exception)
        {
            // The cache only saves time; a run must not fail because a disk is full.
            _log.CacheFileNotWritten(path, exception);
            File.Delete(temporary);
        }
        catch (UnauthorizedAccessException exception)
        {
            _log.CacheFileNotWritten(path, exception);
        }
    }

    private void Remember(string key, Module module)
    {
        lock (_lock)
        {
            if (_entries.ContainsKey(key))
            {
                return;
            }
            _entries[key] = _recency.AddFirst((key, module));
            while (_entries.Count > _memoryEntries)
            {
                // Evicted modules are not disposed here: a run may still hold one; the
                // finalizer frees the native code once no run does.
                var last = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(last.Value.Key);
            }
        }
    }
}
