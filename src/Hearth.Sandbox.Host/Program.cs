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

using var engine = new WasiEngine(epochInterruption: false, fuel: false);
var cache = new ModuleCache(commandLine.CacheDirectory, commandLine.MemoryCacheEntries, new StandardErrorCacheLog());
// Buffered: a message's length and body, and messages sent together, come in one read.
using var input = new BufferedStream(Console.OpenStandardInput(), 64 * 1024);
return new HostServer(input, protocolOutput, engine, cache).Serve();
