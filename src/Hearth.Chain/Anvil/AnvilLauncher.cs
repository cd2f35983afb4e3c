using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Hearth.Chain.Anvil;

public sealed record AnvilOptions
{
    /// <summary>Funded development accounts to create.</summary>
    public int Accounts { get; init; } = 20;

    /// <summary>Seconds between blocks; null mines each transaction at once.</summary>
    public int? BlockTimeSeconds { get; init; }

    /// <summary>A fixed port; null picks a free loopback port.</summary>
    public int? Port { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>Starts Foundry's anvil (installed by npm) on a loopback port and stops it on dispose.</summary>
public sealed partial class AnvilLauncher : IAsyncDisposable
{
    private readonly Process _process;

    private AnvilLauncher(Process process, string rpcUrl, IReadOnlyList<string> privateKeys, long chainId)
    {
        _process = process;
        RpcUrl = rpcUrl;
        PrivateKeys = privateKeys;
        ChainId = chainId;
    }

    public string RpcUrl { get; }

    /// <summary>The development accounts' keys, as anvil printed them (funded with ether for gas).</summary>
    public IReadOnlyList<string> PrivateKeys { get; }

    public long ChainId { get; }

    public static async Task<AnvilLauncher> StartAsync(AnvilOptions? options = null, CancellationToken ct = default)
    {
        options ??= new AnvilOptions();
        var binary = FindBinary();
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port ?? FreeLoopbackPort();
            try
            {
                return await StartOnPortAsync(binary, port, options, ct);
            }
            catch (IOException) when (options.Port is null && attempt < 3)
            {
                // Another process took the port between probing and binding: try another one.
            }
        }
    }

    private static async Task<AnvilLauncher> StartOnPortAsync(string binary, int port, AnvilOptions options, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--host", "127.0.0.1", "--port", port.ToString(), "--accounts", options.Accounts.ToString() })
            psi.ArgumentList.Add(arg);
        if (options.BlockTimeSeconds is { } blockTime)
        {
            psi.ArgumentList.Add("--block-time");
            psi.ArgumentList.Add(blockTime.ToString());
        }
        var process = Process.Start(psi) ?? throw new IOException($"could not start {binary}");
        var keys = new List<string>();
        long chainId = 31337;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.StartTimeout);
        try
        {
            var section = "";
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    string err;
                    lock (stderr) err = stderr.ToString();
                    throw new IOException($"anvil exited before listening on port {port}: {err.Trim()}");
                }
                if (line.StartsWith("Private Keys", StringComparison.Ordinal)) section = "keys";
                else if (line.StartsWith("Chain ID", StringComparison.Ordinal)) section = "chain";
                else if (line.StartsWith("Wallet", StringComparison.Ordinal)) section = "";
                else if (section == "keys" && KeyLine().Match(line) is { Success: true } m) keys.Add(m.Groups[1].Value);
                else if (section == "chain" && long.TryParse(line.Trim(), out var id))
                {
                    chainId = id;
                    section = "";
                }
                if (line.Contains("Listening on", StringComparison.Ordinal)) break;
            }
            // Keep draining stdout so anvil never blocks on a full pipe.
            _ = DrainAsync(process.StandardOutput);
            return new AnvilLauncher(process, $"http://127.0.0.1:{port}", keys, chainId);
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>The anvil binary: $HEARTH_ANVIL, else node_modules of the nearest folder above this program that has one.</summary>
    public static string FindBinary()
    {
        var fromEnv = Environment.GetEnvironmentVariable("HEARTH_ANVIL");
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? fromEnv : throw new FileNotFoundException($"HEARTH_ANVIL points at {fromEnv}, which does not exist");
        const string relative = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"anvil not found: run `npm ci` at the repository root (it installs {relative}) or set HEARTH_ANVIL");
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        }
        catch (ObjectDisposedException)
        {
            // The process was disposed: nothing left to read.
        }
    }

    [GeneratedRegex(@"^\(\d+\)\s+(0x[0-9a-fA-F]{64})")]
    private static partial Regex KeyLine();
}
