using System.Diagnostics;
using System.Text.Json;

namespace Hearth.EndToEnd.Tests;

/// <summary>
/// `hearth serve worker` reads its key from the environment, then removes it and makes itself non-dumpable: a process
/// of the same user (a sandbox host runs foreign code as the worker's user) can no longer read /proc/&lt;pid&gt;/environ,
/// where the key of the starting environment stays. When the tests run as root, the worker and the readers are started as
/// user nobody (setpriv, no capabilities): root reads any process's environ, and a worker runs as an ordinary user.
/// </summary>
public sealed class ProcessHardeningTests
{
    private const string Secret = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Clear(); // as a sandbox host is started
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static readonly string[] WithoutPtrace = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
        ? ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--"]
        : ["--"];

    /// <summary>Reads another process's environ as another process of the worker's user would.</summary>
    private static Task<(int Code, string Output)> ReadEnvironAsync(int pid) =>
        RunAsync("/usr/bin/setpriv", [.. WithoutPtrace, "/bin/cat", $"/proc/{pid}/environ"]);

    /// <summary>
    /// The test's binaries as the unprivileged worker can reach them: where they are when every folder above them lets
    /// others through (a checkout under a private temporary folder does not), else hard-linked (copied across file
    /// systems) into <paramref name="dir"/>.
    /// </summary>
    private static string ReachableBinaries(string dir)
    {
        var binaries = AppContext.BaseDirectory.TrimEnd('/');
        if (!OperatingSystem.IsLinux()) return binaries;
        for (var d = new DirectoryInfo(binaries); d is not null; d = d.Parent)
        {
            if (!File.GetUnixFileMode(d.FullName).HasFlag(UnixFileMode.OtherExecute))
            {
                var copy = Path.Combine(dir, "bin");
                using var cp = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "cp -al \"$0\" \"$1\" 2>/dev/null || cp -a \"$0\" \"$1\"", binaries, copy]))!;
                cp.WaitForExit();
                Assert.True(cp.ExitCode == 0, $"copying {binaries} to {copy} failed");
                return copy;
            }
        }
        return binaries;
    }

    [Fact]
    public async Task A_running_worker_keeps_its_key_out_of_reach_of_processes_of_its_user()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/setpriv")) return;
        var dir = Directory.CreateTempSubdirectory("hearth-hardening-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // the worker may run as nobody
        try
        {
            var config = Path.Combine(dir, "worker.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
            {
                Worker = new
                {
                    SchedulerUrl = "http://127.0.0.1:9/", Workerpool = "1", StorageUrl = "http://127.0.0.1:9/",
                    CacheFolder = Path.Combine(dir, "cache"), WorkFolder = Path.Combine(dir, "work"), Slots = 1, ChainId = 31337,
                    MarketAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3", SchedulerAddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    TelemetrySource = "none",
                },
            }));
            var start = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])[.. WithoutPtrace, "dotnet", "exec", Path.Combine(ReachableBinaries(dir), "hearth.dll"), "serve", "worker", "--config", config])
                start.ArgumentList.Add(a);
            start.Environment["HEARTH_Worker__PrivateKey"] = Secret;
            start.Environment["HOME"] = start.Environment["DOTNET_CLI_HOME"] = dir;
            start.WorkingDirectory = dir;
            using var worker = Process.Start(start)!;
            // What the worker printed, to say why when it stops early.
            var printed = new System.Collections.Concurrent.ConcurrentQueue<string>();
            worker.OutputDataReceived += (_, e) => { if (e.Data is { } line) printed.Enqueue(line); };
            worker.ErrorDataReceived += (_, e) => { if (e.Data is { } line) printed.Enqueue(line); };
            string Printed() => string.Join('\n', printed.TakeLast(20));
            worker.BeginOutputReadLine();
            worker.BeginErrorReadLine();
            try
            {
                // Until the worker hardened itself the read succeeds (and shows the key): wait for it to be refused. Only once
                // setpriv has become the worker (exec'd dotnet): while setpriv changes its user, the kernel briefly refuses
                // reads of any process, and exec lifts that refusal again.
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                (int Code, string Output) read = (0, "");
                do
                {
                    Assert.False(worker.HasExited, $"the worker exited with code {(worker.HasExited ? worker.ExitCode : 0)}:\n{Printed()}");
                    if (File.ReadAllText($"/proc/{worker.Id}/cmdline").Contains("hearth.dll", StringComparison.Ordinal))
                    {
                        read = await ReadEnvironAsync(worker.Id);
                        if (read.Code != 0) break;
                    }
                    await Task.Delay(100);
                }
                while (DateTime.UtcNow < until);

                Assert.NotEqual(0, read.Code);
                Assert.Contains("Permission denied", read.Output);
                Assert.DoesNotContain(Secret[2..], read.Output);
                await Task.Delay(500);
                Assert.False(worker.HasExited, $"the worker stopped (the refusal must come from its hardening, not its end); it printed:\n{Printed()}");
                read = await ReadEnvironAsync(worker.Id);
                Assert.Contains("Permission denied", read.Output);
                // The same reader can read a process started the same way that did not harden itself: the refusal is the worker's doing.
                var plainStart = new ProcessStartInfo("/usr/bin/setpriv") { UseShellExecute = false };
                foreach (var a in (string[])[.. WithoutPtrace, "/bin/sleep", "30"]) plainStart.ArgumentList.Add(a);
                plainStart.Environment["HEARTH_Worker__PrivateKey"] = Secret;
                using var plain = Process.Start(plainStart)!;
                try
                {
                    await Task.Delay(200);
                    var control = await ReadEnvironAsync(plain.Id);
                    Assert.True(control.Code == 0, control.Output);
                    Assert.Contains(Secret, control.Output);
                }
                finally
                {
                    plain.Kill();
                }
            }
            finally
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
