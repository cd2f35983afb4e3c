using System.Text;
using Hearth.Network;
using Hearth.Sandbox;

namespace Hearth.Cli.Bench.Attacks;

/// <summary>A module declares eight linear memories and grows each to the memory limit, taking the limit eight times.</summary>
internal sealed class ManyMemoriesAttack : IAttack
{
    public string Name => "many-memories";

    public async Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("hearth-attack-").FullName;
        try
        {
            using var runner = new SandboxRunner(new SandboxOptions
            {
                ModuleCacheDirectory = Path.Combine(folder, "cache"),
                WorkDirectory = Path.Combine(folder, "work"),
            });
            var memories = string.Concat(Enumerable.Range(0, 8).Select(i => $"(memory $m{i} 1)"));
            var grows = string.Concat(Enumerable.Range(0, 8).Select(i => $"(drop (memory.grow $m{i} (i32.const 255)))"));
            var module = $"(module {memories} (export \"memory\" (memory $m0)) (func (export \"_start\") {grows}))";
            const long limit = 16L << 20;
            var result = await runner.RunAsync(new SandboxRequest
            {
                ModuleBytes = Encoding.UTF8.GetBytes(module),
                Limits = new SandboxLimits { MemoryBytes = limit, WallTime = TimeSpan.FromSeconds(30), OutputBytes = 1 << 20, OutputEntries = 10, ConsoleCaptureBytes = 4096 },
            }, ct);
            return new AttackOutcome(Name,
                $"ran a module with 8 memories, each grown to the {limit >> 20} MiB limit",
                result.Failure is { } failure ? $"{failure}: {result.FailureReason}" : "the module ran to its end",
                result.Failure == SandboxFailureKind.InvalidModule);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
