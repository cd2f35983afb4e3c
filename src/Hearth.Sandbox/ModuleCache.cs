using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Wasmtime;

namespace Hearth.Sandbox;

/// <summary>
/// Compiled modules by engine and sha256 of the module bytes: a small in-memory LRU
/// in front of a folder of serialized modules, so a worker compiles an app once
/// per Wasmtime version however often it runs it.
/// </summary>
internal sealed class ModuleCache
{
    private readonly string _directory;
    private readonly int _memoryEntries;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, Module Module)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, Module Module)> _recency = new();
    private long _compilations;
    private long _diskHits;
    private long _memoryHits;

    public ModuleCache(string directory, int memoryEntries, ILogger logger)
    {
        // Serialized code is only valid for the Wasmtime build that wrote it.
        _directory = Path.Combine(directory, "wasmtime-" + typeof(Engine).Assembly.GetName().Version);
        _memoryEntries = memoryEntries;
        _logger = logger;
    }

    public ModuleCacheStatistics Statistics =>
        new(Interlocked.Read(ref _compilations), Interlocked.Read(ref _diskHits), Interlocked.Read(ref _memoryHits));

    /// <summary>Loads the module; throws <see cref="WasmtimeException"/> when the bytes are not a valid module.</summary>
    public Module GetOrLoad(Engine engine, string engineKey, byte[] wasm, string sha256, out ModuleSource source)
    {
        var key = engineKey + "/" + sha256;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                Interlocked.Increment(ref _memoryHits);
                source = ModuleSource.MemoryCache;
                return node.Value.Module;
            }
        }

        var path = Path.Combine(_directory, engineKey, sha256 + ".cwasm");
        var module = TryDeserialize(engine, path, sha256);
        if (module is not null)
        {
            Interlocked.Increment(ref _diskHits);
            source = ModuleSource.DiskCache;
        }
        else
        {
            var stopwatch = Stopwatch.StartNew();
            module = Module.FromBytes(engine, sha256, wasm);
            SandboxLog.ModuleCompiled(_logger, sha256, wasm.Length, stopwatch.ElapsedMilliseconds);
            Interlocked.Increment(ref _compilations);
            source = ModuleSource.Compiled;
            TryWrite(path, module);
        }
        Remember(key, module);
        return module;
    }

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
            SandboxLog.CacheFileDiscarded(_logger, path, exception);
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
            SandboxLog.CacheFileNotWritten(_logger, path, exception);
            File.Delete(temporary);
        }
        catch (UnauthorizedAccessException exception)
        {
            SandboxLog.CacheFileNotWritten(_logger, path, exception);
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
