using Hearth.Sandbox.Execution;
using Hearth.Sandbox.Execution.Protocol;
using Hearth.Sandbox.Host;

// Runs modules for a SandboxRunner, one at a time, over stdin and stdout (see
// HostMessageType); ends when stdin ends. Started by the runner, not by hand.
if (HostCommandLine.Parse(args) is not { } commandLine)
{
    Console.Error.WriteLine($"usage: Hearth.Sandbox.Host {HostCommandLine.Usage}");
    return 2;
}

// Only protocol messages may reach stdout: anything written through Console goes to stderr.
var protocolOutput = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

using var engine = EngineSettings.Create(epochInterruption: false, fuel: false);
var cache = new ModuleCache(commandLine.CacheDirectory, commandLine.MemoryCacheEntries, new StandardErrorCacheLog());
return new HostServer(Console.OpenStandardInput(), protocolOutput, engine, cache).Serve();
