using System.Text.RegularExpressions;

namespace Hearth.Scheduler.State;

/// <summary>
/// Result digests stay secret until their task is settled on chain: a worker that could read another's digest could sign
/// it without computing anything and be counted as agreeing. Reasons are written without digests; text that comes from
/// a worker (its failure or progress report) and everything the read API shows for an unsettled task goes through
/// <see cref="Redact"/>, which withholds every run of 64 or more hex digits except the identifiers that are public
/// anyway (task and deal ids, the app's and dataset's checksums).
/// </summary>
internal static partial class ResultSecrecy
{
    public const string Withheld = "[withheld until settled]";

    /// <summary>Withholds every hex run of a digest's length or longer (0x or not) that is not one of <paramref name="publicIds"/>.</summary>
    public static string Redact(string text, IEnumerable<string?> publicIds)
    {
        if (text.Length < 64) return text;
        HashSet<string>? allowed = null;
        return HexRun().Replace(text, m =>
        {
            allowed ??= new HashSet<string>(publicIds.OfType<string>().Select(Plain), StringComparer.OrdinalIgnoreCase);
            return allowed.Contains(Plain(m.Value)) ? m.Value : Withheld;
        });
    }

    private static string Plain(string hex) => hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;

    [GeneratedRegex("(?<![0-9A-Fa-f])(?:0[xX])?[0-9A-Fa-f]{64,}")]
    private static partial Regex HexRun();
}
