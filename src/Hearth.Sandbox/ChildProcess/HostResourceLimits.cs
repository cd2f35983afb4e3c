using System.Runtime.InteropServices;

namespace Hearth.Sandbox.ChildProcess;

/// <summary>
/// Hard resource limits of a sandbox host, set by the runner with prlimit(2) on the host's pid right after it starts,
/// before the host is sent any module: soft and hard limits alike, so a host running foreign code cannot raise them
/// again (that needs CAP_SYS_RESOURCE). Linux only; elsewhere nothing is set.
/// </summary>
internal static class HostResourceLimits
{
    private const int RlimitCore = 4;
    private const int RlimitNproc = 6;
    private const int RlimitNofile = 7;
    private const int RlimitAs = 9;

    /// <summary>Applies the limits of <paramref name="options"/> to process <paramref name="pid"/>; the names of those refused by the kernel.</summary>
    public static IReadOnlyList<string> Apply(int pid, SandboxOptions options)
    {
        if (!OperatingSystem.IsLinux()) return [];
        var refused = new List<string>();
        void Set(int resource, string name, ulong value)
        {
            var limit = new RLimit { Current = value, Maximum = value };
            if (prlimit(pid, resource, ref limit, IntPtr.Zero) != 0)
                refused.Add($"{name} ({Marshal.GetLastPInvokeErrorMessage()})");
        }
        // No core file: it would hold the host's memory (module, dataset, results) on disk.
        Set(RlimitCore, "RLIMIT_CORE", 0);
        Set(RlimitNofile, "RLIMIT_NOFILE", (ulong)options.HostOpenFilesLimit);
        if (options.HostProcessLimit is { } processes) Set(RlimitNproc, "RLIMIT_NPROC", (ulong)processes);
        if (options.HostAddressSpaceBytes is { } bytes) Set(RlimitAs, "RLIMIT_AS", (ulong)bytes);
        return refused;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int prlimit(int pid, int resource, ref RLimit newLimit, IntPtr oldLimit);
}
