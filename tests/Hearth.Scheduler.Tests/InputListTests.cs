using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Scheduler.Hosting;
using Hearth.Storage;
using Hearth.Storage.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Scheduler.Tests;

/// <summary>
/// A deal whose params pin an input list: each task's assignment carries its own files, args and env; a list that cannot be fetched,
/// does not hash to its pin, is malformed, is too large, has another count than the deal's volume or lies outside the
/// pool's storage refuses the deal with its reason.
/// </summary>
public sealed class InputListTests : IAsyncLifetime
{
    private const int MaxListBytes = 8192;

    private TestNetwork _net = null!;
    private StorageServerHandle _storage = null!;
    private SchedulerServerHandle _server = null!;
    private HttpClient _http = null!;
    private WebApplication _flaky = null!;
    private Uri _flakyUrl = null!;
    private byte[] _flakyList = [];
    private int _flakyRequests;

    public async Task InitializeAsync()
    {
        _net = await TestNetwork.StartAsync(workers: 1);
        _storage = await StorageServer.StartAsync(new StorageOptions { RootPath = _net.Dir.File("storage") });
        _flaky = await StartFlakyStorageAsync();
        _server = await _net.StartSchedulerAsync(_net.Options(o =>
        {
            o.ResultStorageUrl = _storage.BaseUrl.AbsoluteUri;
            o.InputListSources = [_flakyUrl.AbsoluteUri];
            o.MaxInputListBytes = MaxListBytes;
        }));
        _http = new HttpClient { BaseAddress = _server.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _net.DisposeAsync();
        await _storage.DisposeAsync();
        await _flaky.DisposeAsync();
    }

    /// <summary>A storage on Kestrel loopback that answers 503 to the first two requests, then serves <see cref="_flakyList"/>.</summary>
    private async Task<WebApplication> StartFlakyStorageAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(http =>
        {
            if (Interlocked.Increment(ref _flakyRequests) <= 2)
            {
                http.Response.StatusCode = 503;
                return Task.CompletedTask;
            }
            return http.Response.Body.WriteAsync(_flakyList).AsTask();
        });
        await app.StartAsync();
        _flakyUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/lists/");
        return app;
    }

    private static List<IReadOnlyList<InputFile>> Files(int tasks) =>
        [.. Enumerable.Range(0, tasks).Select(i => (IReadOnlyList<InputFile>)[new InputFile($"part-{i}.csv", $"https://data.example.org/part-{i}.csv", Hash32.Sha256(Encoding.UTF8.GetBytes($"part {i}")).ToString(), 6)])];

    /// <summary>Stores <paramref name="blob"/> and returns params pinning it (the pin's hash may be overridden).</summary>
    private async Task<string> PinAsync(byte[] blob, string? sha256 = null, string? location = null)
    {
        var address = await _storage.Store.PutAsync(new MemoryStream(blob));
        return Params(sha256 ?? Hash32.Sha256(blob).ToString(), location ?? $"{_storage.BaseUrl}blobs/{address.Address.Hex}");
    }

    private static string Params(string sha256, string location) =>
        new JsonObject { ["args"] = new JsonArray("--mode", "fast"), ["inputs"] = new JsonObject { ["sha256"] = sha256, ["location"] = location } }.ToJsonString();

    [Fact]
    public async Task Each_task_is_assigned_its_own_args_and_env_after_and_over_the_deals()
    {
        TaskEntry[] tasks =
        [
            new([], ["--part", "0"], new Dictionary<string, string> { ["MODE"] = "careful" }),
            new(Files(1)[0], ["--part", "1", "with space"], new Dictionary<string, string> { ["OWN"] = "one" }),
        ];
        var blob = TaskInputList.ToJson(tasks);
        var address = await _storage.Store.PutAsync(new MemoryStream(blob));
        var parameters = new JsonObject
        {
            ["args"] = new JsonArray("--mode", "fast"),
            ["env"] = new JsonObject { ["MODE"] = "fast", ["SHARED"] = "yes" },
            ["inputs"] = new JsonObject { ["sha256"] = Hash32.Sha256(blob).ToString(), ["location"] = $"{_storage.BaseUrl}blobs/{address.Address.Hex}" },
        }.ToJsonString();
        await _net.MatchAsync(volume: 2, trust: 1, parameters: parameters);
        using var worker = await new TestWorker(_server.BaseUrl, _net.WorkerKey(0), _net.Pool.ToString(), _net.Requester.Domain).LoginAsync(slots: 2);

        var taken = new List<Assignment>();
        while (taken.Count < 2)
        {
            var (_, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(null, null, 2 - taken.Count), waitSeconds: 10);
            Assert.True(answer is not null, body);
            taken.AddRange(answer.Assignments);
        }

        var first = taken.Single(a => a.TaskIndex == 0);
        Assert.Equal(["--mode", "fast", "--part", "0"], first.Arguments);
        Assert.Equal("careful", first.Environment["MODE"]);
        Assert.Equal("yes", first.Environment["SHARED"]);
        Assert.False(first.Environment.ContainsKey("OWN"));
        Assert.Equal("0", first.Environment["HEARTH_TASK_INDEX"]);
        Assert.Empty(first.Inputs!);
        var second = taken.Single(a => a.TaskIndex == 1);
        Assert.Equal(["--mode", "fast", "--part", "1", "with space"], second.Arguments);
        Assert.Equal("fast", second.Environment["MODE"]);
        Assert.Equal("one", second.Environment["OWN"]);
        Assert.Equal("1", second.Environment["HEARTH_TASK_INDEX"]);
        Assert.Equal(second.TaskId, second.Environment["HEARTH_TASK_ID"]);
        Assert.Equal(Files(1)[0], second.Inputs);
    }

    [Fact]
    public async Task Each_task_is_assigned_its_own_files_from_the_pinned_list()
    {
        var files = Files(3);
        var match = await _net.MatchAsync(volume: 3, trust: 1, parameters: await PinAsync(TaskInputList.ToJson(files)));
        using var worker = await new TestWorker(_server.BaseUrl, _net.WorkerKey(0), _net.Pool.ToString(), _net.Requester.Domain).LoginAsync(slots: 3);

        var taken = new List<Assignment>();
        while (taken.Count < 3)
        {
            var (_, answer, body) = await worker.ExchangeAsync(new ExchangeRequest(null, null, 3 - taken.Count), waitSeconds: 10);
            Assert.True(answer is not null, body);
            taken.AddRange(answer.Assignments);
        }

        Assert.All(taken, a =>
        {
            Assert.Equal(match.DealId.ToString(), a.DealId);
            Assert.Equal(files[(int)a.TaskIndex], a.Inputs);
            Assert.Equal(["--mode", "fast"], a.Arguments);
        });
    }

    [Fact]
    public async Task A_storage_that_cannot_answer_for_a_moment_is_asked_again_before_the_deal_is_refused()
    {
        _flakyList = TaskInputList.ToJson(Files(2));
        var match = await _net.MatchAsync(volume: 2, trust: 1, parameters: Params(Hash32.Sha256(_flakyList).ToString(), $"{_flakyUrl}list.json"));

        var deal = await ReadApi.DealWhereAsync(_http, match.DealId.ToString(), _ => true, "the deal recorded");

        Assert.True(deal.Status == "Active", $"{deal.Status}: {deal.Reason}");
        Assert.Equal(3, Volatile.Read(ref _flakyRequests));
        Assert.Equal(2, deal.Tasks.Count);
    }

    [Fact]
    public async Task A_list_that_cannot_be_used_refuses_the_deal_with_its_reason()
    {
        var good = TaskInputList.ToJson(Files(3));
        var hostileName = Encoding.UTF8.GetString(TaskInputList.ToJson(Files(3))).Replace("part-1.csv\"", "../part-1.csv\"");
        var huge = TaskInputList.ToJson(Files(60));
        Assert.True(huge.Length > MaxListBytes);
        var cases = new (string Params, string Reason)[]
        {
            (Params(Hash32.Sha256("never stored"u8).ToString(), $"{_storage.BaseUrl}blobs/{Hash32.Sha256("never stored"u8).ToPlainHex()}"), "could not be fetched"),
            (await PinAsync(good, sha256: Hash32.Sha256("another list"u8).ToString()), "not to " + Hash32.Sha256("another list"u8)),
            (await PinAsync("{\"tasks\": [[], ["u8.ToArray()), "is malformed: the input list is not JSON"),
            (await PinAsync(TaskInputList.ToJson(Files(2))), "has 2 task entries but the deal has 3 tasks"),
            (await PinAsync(Encoding.UTF8.GetBytes(hostileName)), "is not a plain file name"),
            (await PinAsync("{\"tasks\": [[], [], []], \"extra\": 1}"u8.ToArray()), "unknown field 'extra'"),
            (await PinAsync("{\"tasks\": [{}, {\"env\": {\"HEARTH_TASK_INDEX\": \"0\"}}, {}]}"u8.ToArray()), "task 1 of the input list: env may not set HEARTH_TASK_INDEX"),
            (await PinAsync("{\"tasks\": [{}, {}, {\"args\": [\"a\"], \"argv\": []}]}"u8.ToArray()), "task 2 of the input list: unknown field 'argv'"),
            (await PinAsync(huge), "larger than Scheduler:MaxInputListBytes (8192 bytes)"),
            (Params(Hash32.Sha256(good).ToString(), "http://169.254.169.254/latest/meta-data"), "not in this pool's storage"),
            ("{\"inputs\": \"http://anywhere/list.json\"}", "params' \"inputs\" must be"),
            (Params("0x1234", $"{_storage.BaseUrl}blobs/x"), "inputs.sha256 is not 0x and 64 hex digits"),
        };
        foreach (var (parameters, reason) in cases)
        {
            var match = await _net.MatchAsync(volume: 3, trust: 1, parameters: parameters);
            var deal = await ReadApi.DealWhereAsync(_http, match.DealId.ToString(), d => d.Status == "Refused", $"the deal refused for '{reason}'");
            Assert.Contains(reason, deal.Reason);
            Assert.Empty(deal.Tasks);
        }
    }
}
