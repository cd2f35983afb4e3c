using System.Diagnostics;
using System.Runtime.InteropServices;
using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// How to start a sandbox host: <c>dotnet exec Hearth.Sandbox.Host.dll</c> with the
/// dotnet of the running runtime, so the host runs on the same runtime as the runner,
/// from the runner's own folder, where the Hearth.Sandbox project reference puts it.
/// </summary>
internal sealed class SandboxHostLauncher(SandboxOptions options)
{
    public const string HostAssemblyFileName = "Hearth.Sandbox.Host.dll";

    private static readonly Lazy<string> Dotnet = new(FindDotnet);

    /// <summary>The command that starts one host.</summary>
    /// <exception cref="InvalidOperationException">The host assembly is not where it should be.</exception>
    public ProcessStartInfo StartInfo()
    {
        var dotnet = Dotnet.Value;
        var hostAssembly = FindHostAssembly();
        var workDirectory = Directory.CreateDirectory(options.WorkDirectory).FullName;
        var start = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDirectory,
        };
        var commandLine = new HostCommandLine(Path.GetFullPath(options.ModuleCacheDirectory), options.MemoryCacheEntries);
        foreach (var argument in (string[])["exec", hostAssembly, .. commandLine.Arguments()])
        {
            start.ArgumentList.Add(argument);
        }
        // Nothing of the runner's environment: the host needs none of it, and a module sees none anyway.
        start.Environment.Clear();
        if (Path.IsPathRooted(dotnet))
        {
            start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(dotnet);
        }
        return start;
    }

    /// <summary>
    /// Whether the module cache folder holds the module compiled for hosts: a host that never had it then loads it
    /// from there, and its first run goes without the bytes (the host asks for them if the file is unusable).
    /// </summary>
    public bool IsCompiledOnDisk(string moduleSha256) =>
        File.Exists(ModuleCache.FilePath(Path.GetFullPath(options.ModuleCacheDirectory), EngineSettings.CacheKey(epochInterruption: false, fuel: false), moduleSha256));

    /// <summary>Sets the host's resource limits (<see cref="HostResourceLimits"/>); the limits the kernel refused.</summary>
    public IReadOnlyList<string> Limit(int processId) => HostResourceLimits.Apply(processId, options);

    private static string FindHostAssembly()
    {
        string[] folders = [Path.GetDirectoryName(typeof(SandboxHostLauncher).Assembly.Location) ?? "", AppContext.BaseDirectory];
        foreach (var folder in folders.Where(folder => folder.Length > 0))
        {
            var path = Path.Combine(folder, HostAssemblyFileName);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException(
            $"the sandbox host {HostAssemblyFileName} is not in {string.Join(" or ", folders.Where(folder => folder.Length > 0).Distinct())}: " +
            $"build the app with its reference to Hearth.Sandbox, or set {nameof(SandboxOptions)}.{nameof(SandboxOptions.Isolation)} to {nameof(SandboxIsolation.InProcess)}");
    }

    /// <summary>The dotnet muxer: this process when it is dotnet, else the one of the running runtime, else DOTNET_HOST_PATH, else dotnet on PATH.</summary>
    private static string FindDotnet()
    {
        var muxer = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } process && Path.GetFileName(process).Equals(muxer, StringComparison.OrdinalIgnoreCase))
        {
            return process;
        }
        // The runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        var runtime = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
        if (runtime.Parent?.Parent?.Parent is { } root && File.Exists(Path.Combine(root.FullName, muxer)))
        {
            return Path.Combine(root.FullName, muxer);
        }
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        return muxer;
    }
}
