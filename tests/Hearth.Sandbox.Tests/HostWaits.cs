using System.Diagnostics;

namespace Hearth.Sandbox.Tests;

/// <summary>Waits on sandbox host processes, for tests that watch hosts come and go.</summary>
internal static class HostWaits
{
    /// <summary>Waits until <paramref name="count"/> hosts serve runs at once, and returns their process ids.</summary>
    public static async Task<IReadOnlyList<int>> ServingHostsAsync(SandboxRunner runner, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var serving = runner.Hosts!.LiveProcessIds.Except(runner.Hosts.IdleProcessIds).ToList();
            if (serving.Count >= count)
            {
                return serving;
            }
            await Task.Delay(10);
        }
        throw new TimeoutException($"{count} hosts never served at once");
    }

    /// <summary>True once the process has ended (within 5 s).</summary>
    public static async Task<bool> HasExitedAsync(int processId)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                if (process.HasExited)
                {
                    return true;
                }
            }
            catch (ArgumentException)
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }
}
