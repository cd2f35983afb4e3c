using System.CommandLine;
using Hearth.Market.Http;
using Hearth.Scheduler;
using Hearth.Storage.Http;
using Hearth.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth serve scheduler|worker|market|storage`: one role on its own host, configured the
/// Microsoft.Extensions.Configuration way: a JSON file (--config), then environment variables with the HEARTH_ prefix
/// and double underscores for sections (HEARTH_Scheduler__RpcUrl=...). Web roles listen on the "Urls" setting.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var serve = new Command("serve", "Run one role of a Hearth network against any EVM JSON-RPC endpoint (and PostgreSQL).");
        foreach (var role in new[] { "scheduler", "worker", "market", "storage" })
        {
            var config = new Option<string?>("--config") { Description = "A JSON configuration file (see docs/operations.md)." };
            var command = new Command(role, $"Run the {role}.") { config };
            command.SetAction((parse, ct) => RunAsync(role, parse.GetValue(config), ct));
            serve.Subcommands.Add(command);
        }
        return serve;
    }

    private static async Task<int> RunAsync(string role, string? configFile, CancellationToken ct)
    {
        if (configFile is not null && !File.Exists(configFile)) throw new CliException($"no such configuration file: {configFile}");
        if (role == "worker")
        {
            var host = Host.CreateApplicationBuilder();
            Configure(host.Configuration, configFile);
            // The configuration holds the key now: none in the environment, and this process unreadable to its children.
            Hearth.Worker.Hosting.ProcessHardening.Apply();
            host.Services.AddHearthWorker(host.Configuration);
            using var app = host.Build();
            await app.RunAsync(ct);
            return 0;
        }
        var builder = WebApplication.CreateBuilder();
        Configure(builder.Configuration, configFile);
        switch (role)
        {
            case "scheduler": builder.Services.AddHearthScheduler(builder.Configuration.GetSection("Scheduler")); break;
            case "market": builder.Services.AddHearthMarket(builder.Configuration.GetSection("Market")); break;
            default: builder.Services.AddHearthStorage(builder.Configuration.GetSection("Storage")); break;
        }
        await using var web = builder.Build();
        switch (role)
        {
            case "scheduler": web.MapHearthSchedulerApi(); break;
            case "market": web.MapHearthMarket(); break;
            default: web.MapHearthStorage(); break;
        }
        await web.RunAsync(ct);
        return 0;
    }

    private static void Configure(IConfigurationBuilder configuration, string? file)
    {
        if (file is not null) configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        configuration.AddEnvironmentVariables("HEARTH_");
    }
}
