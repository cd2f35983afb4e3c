using System.Diagnostics;
using Wasmtime;

namespace Hearth.Sandbox.Execution;

/// <summary>
/// Compiled modules by engine and sha256 of the module bytes: a small in-memory LRU
/// in front of a folder of serialized modules, so a worker compiles an app once
/// per Wasmtime version and engine however often it runs it. Several processes (the
/// runner and its sandbox hosts) share the folder: files appear whole or not at all. A file's last write time is its
/// last use (set when it is loaded, and at most once a minute while it is used from memory), which
/// <see cref="Trim"/> evicts by.
/// </summary>
internal sealed class ModuleCache
{
    private readonly string _directory;
    private readonly int _memoryEntries;
    private readonly IModuleCacheLog _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();

    /// <summary>How often a module used from memory marks its file as used.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private sealed class Entry(string key, Module module, string path)
    {
        public string Key { get; } = key;
        public Module Module { get; } = module;
        public string Path { get; } = path;
        public long TouchedAt { get; set; } = Environment.TickCount64;
    }

    public ModuleCache(string directory, int memoryEntries, IModuleCacheLog log)
    {
        _directory = VersionDirectory(directory);
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
        var path = FilePath(engine, sha256);
        TryWrite(path, module);
        Remember(Key(engine, sha256), module, path);
        return module;
    }

    /// <summary>
    /// Makes sure the folder holds the module compiled by <paramref name="engine"/>, compiling it when it does not; with
    /// <paramref name="keepInMemory"/> the module is also loaded here (a run in this process follows), else a file
    /// already there is only marked as used and a module compiled now is not kept. Throws <see cref="WasmtimeException"/>
    /// when the bytes are not a valid module.
    /// </summary>
    public ModuleSource Prepare(WasiEngine engine, byte[] wasm, string sha256, bool keepInMemory)
    {
        if (keepInMemory)
        {
            GetOrLoad(engine, wasm, sha256, out var source);
            return source;
        }
        lock (_lock)
        {
            if (_entries.ContainsKey(Key(engine, sha256))) return ModuleSource.MemoryCache;
        }
        var path = FilePath(engine, sha256);
        if (File.Exists(path))
        {
            Touch(path);
            return ModuleSource.DiskCache;
        }
        var stopwatch = Stopwatch.StartNew();
        using var module = Module.FromBytes(engine.Engine, sha256, wasm);
        _log.ModuleCompiled(sha256, wasm.Length, stopwatch.ElapsedMilliseconds);
        TryWrite(path, module);
        return ModuleSource.Compiled;
    }

    /// <summary>
    /// Deletes the least recently used compiled modules under <paramref name="directory"/> (every Wasmtime version and
    /// engine) until their total size is at most <paramref name="maxBytes"/>; the most recently used file always stays,
    /// so the folder exceeds the bound by at most one module larger than it. A file another process still uses stays
    /// valid for it where the system allows deleting it (Linux: it is mapped), else it stays. Returns the bytes deleted.
    /// </summary>
    public static long Trim(string directory, long maxBytes)
    {
        if (!Directory.Exists(directory)) return 0;
        var files = new List<(string Path, long Length, DateTime UsedAt)>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.cwasm", SearchOption.AllDirectories))
        {
            var file = new FileInfo(path);
            try
            {
                files.Add((path, file.Length, file.LastWriteTimeUtc));
            }
            catch (IOException)
            {
                // Deleted meanwhile by another runner.
            }
        }
        var total = files.Sum(file => file.Length);
        if (total <= maxBytes) return 0;
        long removed = 0;
        foreach (var file in files.OrderBy(file => file.UsedAt).ThenBy(file => file.Path, StringComparer.Ordinal).SkipLast(1))
        {
            if (total <= maxBytes) break;
            try
            {
                File.Delete(file.Path);
                total -= file.Length;
                removed += file.Length;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // In use where that forbids deleting, or not ours: the next trim tries again.
            }
        }
        return removed;
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
                var entry = node.Value;
                if (Environment.TickCount64 - entry.TouchedAt >= TouchInterval.TotalMilliseconds)
                {
                    entry.TouchedAt = Environment.TickCount64;
                    Touch(entry.Path);
                }
                return entry.Module;
            }
        }
        source = ModuleSource.DiskCache;
        var path = FilePath(engine, sha256);
        if (TryDeserialize(engine.Engine, path, sha256) is not { } module)
        {
            return null;
        }
        Touch(path);
        Remember(key, module, path);
        return module;
    }

    /// <summary>Marks the file as just used (the eviction order); a file gone meanwhile is nothing to mark.</summary>
    private static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string Key(WasiEngine engine, string sha256) => engine.CacheKey + "/" + sha256;

    /// <summary>Where the module compiled by <paramref name="engine"/> is kept.</summary>
    public string FilePath(WasiEngine engine, string sha256) => Path.Combine(_directory, engine.CacheKey, sha256 + ".cwasm");

    /// <summary>Where a cache over <paramref name="directory"/> keeps the module compiled by an engine of <paramref name="engineCacheKey"/>.</summary>
    public static string FilePath(string directory, string engineCacheKey, string sha256) =>
        Path.Combine(VersionDirectory(directory), engineCacheKey, sha256 + ".cwasm");

    // Serialized code is only valid for the Wasmtime build and the engine settings that wrote it.
    private static string VersionDirectory(string directory) =>
        Path.Combine(directory, "wasmtime-" + typeof(Engine).Assembly.GetName().Version + "-" + EngineSettings.Fingerprint);

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
            try
            {
                File.Delete(path);
            }
            catch (Exception deleting) when (deleting is IOException or UnauthorizedAccessException)
            {
                // The compiled copy written next replaces it.
            }
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

    private void Remember(string key, Module module, string path)
    {
        lock (_lock)
        {
            if (_entries.ContainsKey(key))
            {
                return;
            }
            _entries[key] = _recency.AddFirst(new Entry(key, module, path));
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
