using System.Formats.Tar;
using System.Reflection;
using System.Text;

namespace Hearth.Sandbox.Tests;

/// <summary>
/// Runners over a private cache and work folder, shared by a test class (the default one,
/// with sandbox hosts, and one running in process), plus paths of the built apps.
/// </summary>
public sealed class SandboxFixture : IDisposable
{
    private readonly Lazy<SandboxRunner> _inProcessRunner;

    public SandboxFixture()
    {
        Root = Directory.CreateTempSubdirectory("hearth-sandbox-tests-").FullName;
        Options = NewOptions("run");
        Runner = new SandboxRunner(Options);
        InProcessOptions = NewOptions("in-process");
        InProcessOptions.Isolation = SandboxIsolation.InProcess;
        _inProcessRunner = new(() => new SandboxRunner(InProcessOptions));
    }

    public string Root { get; }

    public SandboxOptions Options { get; }

    public SandboxOptions InProcessOptions { get; }

    /// <summary>The default runner: unmetered runs in sandbox hosts.</summary>
    public SandboxRunner Runner { get; }

    /// <summary>Both isolations, for tests that must hold in each.</summary>
    public static TheoryData<SandboxIsolation> Isolations => [SandboxIsolation.ChildProcess, SandboxIsolation.InProcess];

    public SandboxRunner RunnerFor(SandboxIsolation isolation) =>
        isolation == SandboxIsolation.InProcess ? _inProcessRunner.Value : Runner;

    public SandboxOptions OptionsFor(SandboxIsolation isolation) =>
        isolation == SandboxIsolation.InProcess ? InProcessOptions : Options;

    public static string RepositoryRoot { get; } = typeof(SandboxFixture).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "HearthRoot").Value!;

    public static string App(string name) => Path.Combine(RepositoryRoot, "apps", name, "build", name + ".wasm");

    public static string Hostile(string name) => Path.Combine(RepositoryRoot, "apps", "hostile", "build", name + ".wasm");

    public static string MandelbrotNative => Path.Combine(RepositoryRoot, "apps", "mandelbrot", "build", "mandelbrot-native");

    public static SandboxLimits Limits(long memoryBytes = 64L << 20, int wallTimeMs = 30_000, long outputBytes = 64L << 20, ulong? fuel = null) => new()
    {
        MemoryBytes = memoryBytes,
        WallTime = TimeSpan.FromMilliseconds(wallTimeMs),
        OutputBytes = outputBytes,
        OutputEntries = 1000,
        ConsoleCaptureBytes = 16 * 1024,
        Fuel = fuel,
    };

    /// <summary>Options with their own cache and work folders under this fixture's root.</summary>
    public SandboxOptions NewOptions(string name) => new()
    {
        ModuleCacheDirectory = Path.Combine(Root, name, "cache"),
        WorkDirectory = Path.Combine(Root, name, "work"),
    };

    public static SandboxRequest Wat(string text, SandboxLimits? limits = null) => new()
    {
        ModuleBytes = Encoding.UTF8.GetBytes(text),
        Limits = limits ?? Limits(),
    };

    /// <summary>The archive's entries in order, with their content as text.</summary>
    public static List<(TarEntry Entry, string Content)> ReadArchive(byte[] archive)
    {
        var entries = new List<(TarEntry, string)>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            var content = entry.DataStream is null ? "" : new StreamReader(entry.DataStream).ReadToEnd();
            entries.Add((entry, content));
        }
        return entries;
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public void Dispose()
    {
        Runner.Dispose();
        if (_inProcessRunner.IsValueCreated)
        {
            _inProcessRunner.Value.Dispose();
        }
        Directory.Delete(Root, recursive: true);
    }
}
