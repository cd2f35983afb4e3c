using System.Diagnostics;

namespace Hearth.Cli.Bench;

/// <summary>
/// CPU time used so far by this process and every process it started (anvil, the sandbox hosts), read from /proc on
/// Linux; elsewhere only this process's own time.
/// </summary>
internal static class ProcessTreeCpu
{
    public static TimeSpan Now()
    {
        var self = Environment.ProcessId;
        var total = Process.GetCurrentProcess().TotalProcessorTime;
        if (!OperatingSystem.IsLinux()) return total;
        var stats = ReadAll();
        var tree = new HashSet<int> { self };
        // Parents come before children in no particular order: sweep until no process joins.
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, (parent, _)) in stats)
                if (!tree.Contains(pid) && tree.Contains(parent)) grew = tree.Add(pid);
        }
        var ticksPerSecond = 100.0; // USER_HZ on Linux
        var children = stats.Where(s => s.Key != self && tree.Contains(s.Key)).Sum(s => s.Value.Ticks);
        return total + TimeSpan.FromSeconds(children / ticksPerSecond);
    }

    private static Dictionary<int, (int Parent, long Ticks)> ReadAll()
    {
        var result = new Dictionary<int, (int, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name, which is in parentheses and may hold spaces.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                result[pid] = (int.Parse(fields[1]), long.Parse(fields[11]) + long.Parse(fields[12]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }
        return result;
    }
}
