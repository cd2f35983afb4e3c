using System.Text.Json;

namespace Hearth.Protocol.Contracts;

/// <summary>ABI and creation bytecode of one compiled contract.</summary>
public sealed record ContractArtifact(string Name, string Abi, string Bytecode);

/// <summary>The contracts as compiled by the build (contracts/build.js), embedded in this assembly.</summary>
public static class ContractArtifacts
{
    private static readonly Lazy<IReadOnlyDictionary<string, ContractArtifact>> All = new(Load);

    public static ContractArtifact HearthToken => Get("HearthToken");
    public static ContractArtifact AppRegistry => Get("AppRegistry");
    public static ContractArtifact DatasetRegistry => Get("DatasetRegistry");
    public static ContractArtifact WorkerpoolRegistry => Get("WorkerpoolRegistry");
    public static ContractArtifact HearthMarket => Get("HearthMarket");

    public static IEnumerable<ContractArtifact> Each => All.Value.Values;

    public static ContractArtifact Get(string name) =>
        All.Value.TryGetValue(name, out var artifact)
            ? artifact
            : throw new KeyNotFoundException($"no compiled contract named {name}");

    private static IReadOnlyDictionary<string, ContractArtifact> Load()
    {
        using var stream = typeof(ContractArtifacts).Assembly.GetManifestResourceStream("Hearth.contracts.json")
            ?? throw new InvalidOperationException("the compiled contracts are missing from Hearth.Protocol: build it with node and npm available");
        using var doc = JsonDocument.Parse(stream);
        var result = new Dictionary<string, ContractArtifact>();
        foreach (var contract in doc.RootElement.EnumerateObject())
        {
            result[contract.Name] = new ContractArtifact(
                contract.Name,
                contract.Value.GetProperty("abi").GetRawText(),
                contract.Value.GetProperty("bytecode").GetString()!);
        }
        return result;
    }
}
