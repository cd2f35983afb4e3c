using System.Diagnostics;
using Hearth.Chain.Anvil;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A throw-away PostgreSQL cluster (Debian's binaries): initdb in a temp folder owned by postgres, listening on 127.0.0.1 and a
/// free port with its socket in that folder; stopped and deleted on dispose. Run as root: the server refuses to run as root,
/// so commands go through runuser.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private string _dir = "";
    private string _bin = "";

    public int Port { get; private set; }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=30";

    public async Task InitializeAsync()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed: apt-get install -y postgresql (see .ci/apt-packages.txt)");
        _dir = Path.Combine(Path.GetTempPath(), "hearth-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(_dir, "sock"));
        await RunAsync("chown", "-R", "postgres:postgres", _dir);
        await AsPostgresAsync(Path.Combine(_bin, "initdb"), "-D", Path.Combine(_dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        Port = AnvilLauncher.FreeLoopbackPort();
        await AsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"), "-w", "-t", "30",
            "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {Path.Combine(_dir, "sock")} -c fsync=off", "start");
    }

    public async Task DisposeAsync()
    {
        if (_dir.Length == 0) return;
        await AsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        Directory.Delete(_dir, recursive: true);
    }

    private static Task AsPostgresAsync(params string[] args) => RunAsync("runuser", ["-u", "postgres", "--", .. args]);

    private static async Task RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}{await stdout}");
    }
}
