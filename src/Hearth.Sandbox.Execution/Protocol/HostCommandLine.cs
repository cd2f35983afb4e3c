using System.Globalization;

namespace Hearth.Sandbox.Execution.Protocol;

/// <summary>The sandbox host's command line: where the compiled-module cache is and how many modules it keeps in memory.</summary>
internal sealed record HostCommandLine(string CacheDirectory, int MemoryCacheEntries)
{
    private const string CacheDirectoryOption = "--cache-directory";
    private const string MemoryCacheEntriesOption = "--memory-cache-entries";

    public const string Usage = $"{CacheDirectoryOption} <folder> {MemoryCacheEntriesOption} <count>";

    public IReadOnlyList<string> Arguments() =>
        [CacheDirectoryOption, CacheDirectory, MemoryCacheEntriesOption, MemoryCacheEntries.ToString(CultureInfo.InvariantCulture)];

    /// <summary>The settings, or null when the command line is not both options with valid values.</summary>
    public static HostCommandLine? Parse(IReadOnlyList<string> args)
    {
        string? directory = null;
        int? entries = null;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case CacheDirectoryOption:
                    directory = args[i + 1];
                    break;
                case MemoryCacheEntriesOption when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0:
                    entries = count;
                    break;
                default:
                    return null;
            }
        }
        return args.Count % 2 == 0 && !string.IsNullOrWhiteSpace(directory) && entries is { } memoryEntries
            ? new HostCommandLine(directory, memoryEntries)
            : null;
    }
}
