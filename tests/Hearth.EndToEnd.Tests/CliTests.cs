using Hearth.Cli;
using Hearth.Cli.Config;
using Hearth.Network;

namespace Hearth.EndToEnd.Tests;

/// <summary>A local network shared by the command-line tests; each test has its own HEARTH_HOME.</summary>
public sealed class CliNetworkFixture : IAsyncLifetime
{
    public LocalNetwork Net { get; private set; } = null!;
    public string Profile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Net = await LocalNetwork.StartAsync(new LocalNetworkOptions { Workers = 2 });
        Profile = Path.Combine(Net.DataFolder, "network.json");
        (NetworkProfile.From(Net.Chain.Deployment, Net.Chain.RpcUrl) with { StorageUrl = Net.StorageUrl, MarketUrl = Net.MarketUrl, SchedulerUrl = Net.SchedulerUrl }).Save(Profile);
    }

    public Task DisposeAsync() => Net.DisposeAsync().AsTask();
}

/// <summary>The `hearth` command driven in-process against a real local network, error paths included.</summary>
public sealed class CliTests(CliNetworkFixture f) : IClassFixture<CliNetworkFixture>
{
    private readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-").FullName;

    private async Task<(int Code, string Out, string Error)> HearthAsync(IDictionary<string, string>? env = null, params string[] args)
    {
        var vars = new Dictionary<string, string>(env ?? new Dictionary<string, string>())
        {
            ["HEARTH_HOME"] = _home,
            ["HEARTH_NETWORK"] = f.Profile,
        };
        vars.TryAdd("HEARTH_PASSWORD", "a-long-password");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await HearthCommand.RunAsync(args, new CliContext { Out = output, Error = error, Environment = n => vars.GetValueOrDefault(n) });
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Error)> HearthAsync(params string[] args) => HearthAsync(null, args);

    private async Task ImportAsync(int account) =>
        Assert.Equal(0, (await HearthAsync("wallet", "import", "--key", f.Net.Chain.Keys[account])).Code);

    [Fact]
    public async Task A_new_user_registers_an_app_publishes_it_and_runs_it_to_verified_results()
    {
        await ImportAsync(DevAccounts.FirstWorker + 5);
        var module = Path.Combine(SampleAppsFolder(), "hello-as", "build", "hello-as.wasm");
        var registered = await HearthAsync("app", "register", module, "--name", "my-hello");
        Assert.True(registered.Code == 0, registered.Error);
        var appId = registered.Out.Split(' ', '\n')[2];

        Assert.Equal(0, (await HearthAsync("order", "publish", "app", appId, "--price", "0.02", "--volume", "100")).Code);
        Assert.Contains(appId, (await HearthAsync("order", "list", "app", "--asset", appId)).Out);
        Assert.Equal(0, (await HearthAsync("account", "deposit", "10")).Code);

        var results = Path.Combine(_home, "results");
        var run = await HearthAsync("run", appId, "--volume", "2", "--params", "Ada Grace", "--out", results);
        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains("2 of 2 certified on chain", run.Out);
        var hello = await File.ReadAllTextAsync(Path.Combine(results, "task-0", "hello.txt"));
        Assert.Contains("Ada", hello);

        var dealId = run.Out.Split('\n').First(l => l.StartsWith("deal ", StringComparison.Ordinal)).Split(' ')[1].TrimEnd(':');
        var show = await HearthAsync("deal", "show", dealId, "--json");
        Assert.Contains("\"volume\": 2", show.Out);
        var task = await HearthAsync("task", "show", $"{dealId}:1");
        Assert.True(task.Code == 0, task.Error);
        Assert.Contains("Settled", task.Out);
        Assert.Contains("payments   requester pays", task.Out);
        Assert.Contains("gas ", task.Out);
        var again = await HearthAsync("results", "get", dealId, "--out", Path.Combine(_home, "again"));
        Assert.Contains("matches the chain", again.Out);
    }

    [Fact]
    public async Task A_wrong_password_is_one_clear_line()
    {
        await ImportAsync(DevAccounts.FirstWorker + 6);
        var (code, _, error) = await HearthAsync(new Dictionary<string, string> { ["HEARTH_PASSWORD"] = "not-the-password" }, "account", "balance");
        Assert.Equal(1, code);
        Assert.StartsWith("error: wrong password", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Theory]
    [InlineData("--slots", "0")]
    [InlineData("--slots", "5000")]
    [InlineData("--tasks", "-1")]
    [InlineData("--runs", "0")]
    public async Task A_bench_option_out_of_range_is_one_clear_line(string option, string value)
    {
        var (code, output, error) = await HearthAsync("bench", "e2e", option, value);
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {option} must be between", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Nothing_matches_names_the_constraint()
    {
        await ImportAsync(DevAccounts.Requester);
        var app = f.Net.Apps[0].Id.ToString();
        var (code, _, error) = await HearthAsync("run", app, "--trust", "1000");
        Assert.Equal(1, code);
        Assert.Contains("nothing matches", error);
        Assert.Contains("offers trust up to 10", error);

        var tooCheap = await HearthAsync("run", app, "--max-price", "0.000001");
        Assert.Contains("above your maximum", tooCheap.Error);

        var noOrders = await HearthAsync("run", "999");
        Assert.Contains("no open order for app 999", noOrders.Error);

        // The local pool was registered without callbacks: its policy, read on chain, keeps a request with one away.
        var callback = await HearthAsync("run", app, "--callback", f.Net.Address(DevAccounts.AppOwner));
        Assert.Equal(1, callback.Code);
        Assert.Contains($"workerpool {f.Net.Workerpool} does not accept requests with a callback", callback.Error);
    }

    [Fact]
    public async Task An_unfunded_account_is_told_how_much_to_deposit()
    {
        await ImportAsync(DevAccounts.FirstWorker + 7);
        var (code, _, error) = await HearthAsync("run", f.Net.Apps[0].Id.ToString(), "--volume", "3");
        Assert.Equal(1, code);
        Assert.Contains("your escrow has 0 HRTH free", error);
        Assert.Contains("hearth account deposit", error);
    }

    [Fact]
    public async Task Missing_corrupt_and_wrong_files_are_refused()
    {
        await ImportAsync(DevAccounts.FirstWorker + 8);
        Assert.Contains("no such file", (await HearthAsync("app", "register", Path.Combine(_home, "missing.wasm"))).Error);
        var notWasm = Path.Combine(_home, "notes.wasm");
        await File.WriteAllTextAsync(notWasm, "hello");
        Assert.Contains("not a WebAssembly module", (await HearthAsync("app", "register", notWasm)).Error);

        var corrupt = Path.Combine(_home, "corrupt.json");
        await File.WriteAllTextAsync(corrupt, "{ \"address\": \"0x1234\", \"crypto\": {} }");
        var bad = await HearthAsync("wallet", "import", "--file", corrupt);
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("error:", bad.Error);
    }

    [Fact]
    public async Task An_unreachable_chain_or_market_is_one_clear_line()
    {
        await ImportAsync(DevAccounts.FirstWorker + 9);
        var chain = await HearthAsync(new Dictionary<string, string> { ["HEARTH_RPCURL"] = "http://127.0.0.1:1" }, "account", "balance");
        Assert.Equal(1, chain.Code);
        Assert.Contains("does not answer", chain.Error);

        var market = await HearthAsync(new Dictionary<string, string> { ["HEARTH_MARKETURL"] = "http://127.0.0.1:1" }, "run", "1");
        Assert.Equal(1, market.Code);
        Assert.Contains("unreachable", market.Error);
    }

    [Fact]
    public async Task A_pool_prices_its_order_by_its_boilers_heat_demand_and_assets_are_listed()
    {
        await ImportAsync(DevAccounts.PoolOwner);
        var published = await HearthAsync("order", "publish", "workerpool", f.Net.Workerpool.ToString(), "--price", "0.2", "--heat-priced", "--volume", "50");
        Assert.True(published.Code == 0, published.Error);
        Assert.Contains("heat demand", published.Out);
        var price = decimal.Parse(published.Out.Split("HRTH per task")[0].Split(' ').Last(s => s.Length > 0), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(price, 0.12m, 0.2m);

        var apps = await HearthAsync("app", "list", "--json");
        Assert.Equal(0, apps.Code);
        Assert.Contains(f.Net.Address(DevAccounts.AppOwner), apps.Out);
    }

    [Fact]
    public async Task A_pool_is_registered_with_its_callback_policy_and_a_workers_score_is_shown_per_pool()
    {
        await ImportAsync(DevAccounts.FirstWorker + 10);
        var registered = await HearthAsync("pool", "register", "--scheduler", f.Net.SchedulerAddress, "--api-url", "http://127.0.0.1:1", "--accepts-callbacks", "--json");
        Assert.True(registered.Code == 0, registered.Error);
        Assert.Contains("\"acceptsCallbacks\": true", registered.Out);
        var id = System.Text.Json.JsonDocument.Parse(registered.Out).RootElement.GetProperty("id").GetString()!;
        var show = await HearthAsync("pool", "show", id);
        Assert.Contains("callbacks accepted", show.Out);
        Assert.Contains("worker stake 30 %", show.Out);

        var worker = f.Net.Workers[0].Address;
        var balance = await HearthAsync("account", "balance", "--address", worker, "--pool", id);
        Assert.True(balance.Code == 0, balance.Error);
        Assert.Contains($"score      0 in workerpool {id}", balance.Out);
        Assert.DoesNotContain("score", (await HearthAsync("account", "balance", "--address", worker)).Out);
    }

    private static string SampleAppsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "apps", "build.sh"))) return Path.Combine(dir.FullName, "apps");
        throw new DirectoryNotFoundException("apps/ not found");
    }
}
