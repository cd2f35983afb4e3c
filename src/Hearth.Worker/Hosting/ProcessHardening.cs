using System.Collections;
using System.Runtime.InteropServices;

namespace Hearth.Worker.Hosting;

/// <summary>
/// Keeps the worker's key out of reach of the processes it starts, which run foreign code as the worker's user: once the
/// configuration is read, secret-bearing HEARTH_ variables are removed from the process environment (children inherit
/// nothing of them; sandbox hosts get an explicit environment anyway), and on Linux the process is made non-dumpable
/// (prctl PR_SET_DUMPABLE 0). /proc/&lt;pid&gt;/environ keeps the environment the process started with, whatever is
/// removed later; non-dumpable, it and /proc/&lt;pid&gt;/mem are readable only by processes with CAP_SYS_PTRACE, not by
/// other processes of the same user, and no core file is written.
/// </summary>
public static class ProcessHardening
{
    private const int PrSetDumpable = 4;
    private const int PrGetDumpable = 3;

    private static readonly string[] SecretWords = ["KEY", "PASSWORD", "SECRET", "TOKEN", "CONNECTIONSTRING"];

    /// <summary>Whether an environment variable may hold a secret: a HEARTH_ variable naming a key, password, secret, token or connection string.</summary>
    public static bool IsSecret(string name) =>
        name.StartsWith("HEARTH_", StringComparison.OrdinalIgnoreCase) &&
        SecretWords.Any(word => name.Replace("_", "", StringComparison.Ordinal).Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>Removes the secret-bearing variables from this process's environment; their names.</summary>
    public static IReadOnlyList<string> ClearSecrets()
    {
        var cleared = new List<string>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string name && IsSecret(name))
            {
                Environment.SetEnvironmentVariable(name, null);
                cleared.Add(name);
            }
        }
        return cleared;
    }

    /// <summary>Makes this process non-dumpable (Linux); false where that is not available or was refused.</summary>
    public static bool ForbidInspection()
    {
        if (!OperatingSystem.IsLinux()) return false;
        return prctl(PrSetDumpable, 0, 0, 0, 0) == 0 && prctl(PrGetDumpable, 0, 0, 0, 0) == 0;
    }

    /// <summary>Both: call once the configuration is read, before any child process is started.</summary>
    public static (IReadOnlyList<string> Cleared, bool NonDumpable) Apply() => (ClearSecrets(), ForbidInspection());

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
