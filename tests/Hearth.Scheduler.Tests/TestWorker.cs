using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.Orders;
using Hearth.Protocol.WorkerApi;
using Nethereum.Signer;

namespace Hearth.Scheduler.Tests;

/// <summary>A minimal worker driven by a test: logs in with a real key, heart-beats, takes assignments and signs real contributions.</summary>
public sealed class TestWorker(Uri baseUrl, EthECKey key, string workerpool, Eip712Domain domain) : IDisposable
{
    public HttpClient Http { get; } = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

    public string Address { get; } = key.GetPublicAddress();

    public static Hash32 HonestDigest(string taskId) => Hash32.Sha256(Encoding.UTF8.GetBytes("honest " + taskId));

    public static Hash32 BadDigest(string taskId) => Hash32.Sha256(Encoding.UTF8.GetBytes("bad " + taskId));

    public async Task<TestWorker> LoginAsync(int slots = 1)
    {
        var challenge = await PostAsync<ChallengeResponse>("api/workers/challenge", new ChallengeRequest(Address));
        var signature = new EthereumMessageSigner().EncodeUTF8AndSign(WorkerLogin.Message(workerpool, challenge.Challenge), key);
        var login = await PostAsync<LoginResponse>("api/workers/login", new LoginRequest(Address, workerpool, challenge.Challenge, signature));
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.Token);
        await HeartbeatAsync(slots);
        return this;
    }

    public async Task<HeartbeatResponse> HeartbeatAsync(int slots = 1, params string[] held) =>
        await PostAsync<HeartbeatResponse>("api/workers/heartbeat", new HeartbeatRequest(slots, slots - held.Length, held, null));

    public async Task<Assignment?> NextAsync(int waitSeconds = 10)
    {
        using var response = await Http.PostAsync($"api/workers/assignments/next?waitSeconds={waitSeconds}", null);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<Assignment>();
    }

    public async Task<Assignment> NextRequiredAsync() =>
        await NextAsync(30) ?? throw new InvalidOperationException($"worker {Address} got no assignment");

    public Task<HttpResponseMessage> ContributeAsync(Assignment a, Hash32 digest, string? next = null)
    {
        var signature = ContributionSigning.Sign(domain, Hash32.Parse(a.TaskId), digest, key);
        return Http.PostAsJsonAsync($"api/workers/replicates/{a.ReplicateId}/contribution" + (next is null ? "" : $"?next={next}"),
            new ContributionReport(digest.ToString(), "0x" + Convert.ToHexStringLower(signature), 0, null, 0.5, null));
    }

    /// <summary>A signed contribution of <paramref name="digest"/> for the assignment, as an exchange carries it.</summary>
    public ReplicateContribution Contribution(Assignment a, Hash32 digest)
    {
        var signature = ContributionSigning.Sign(domain, Hash32.Parse(a.TaskId), digest, key);
        return new ReplicateContribution(a.ReplicateId, new ContributionReport(digest.ToString(), "0x" + Convert.ToHexStringLower(signature), 0, null, 0.5, null));
    }

    private readonly Dictionary<string, Hash32> _heads = [];

    /// <summary>
    /// As <see cref="Contribution"/>, with the result placed in this worker's result chain of the deal, as a real worker
    /// does; <paramref name="chainKey"/> signs the chain instead of the worker's key (a bad link).
    /// </summary>
    public ReplicateContribution ChainedContribution(Assignment a, Hash32 digest, EthECKey? chainKey = null)
    {
        var start = _heads.GetValueOrDefault(a.DealId);
        var head = ResultChain.Next(start, a.TaskIndex, digest);
        _heads[a.DealId] = head;
        var chainSignature = ResultChain.Sign(domain, Hash32.Parse(a.DealId), head, chainKey ?? key);
        var plain = Contribution(a, digest);
        return plain with { Report = plain.Report with { ChainStart = start.ToString(), ChainSignature = "0x" + Convert.ToHexStringLower(chainSignature) } };
    }

    /// <summary>Posts an exchange; the answer's status, and its body when it is 200.</summary>
    public async Task<(HttpStatusCode Status, ExchangeResponse? Answer, string Body)> ExchangeAsync(ExchangeRequest request, int waitSeconds = 0)
    {
        using var response = await Http.PostAsJsonAsync($"api/workers/exchange?waitSeconds={waitSeconds}", request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? System.Text.Json.JsonSerializer.Deserialize<ExchangeResponse>(body, System.Text.Json.JsonSerializerOptions.Web) : null, body);
    }

    public async Task ContributeOkAsync(Assignment a, Hash32 digest)
    {
        using var response = await ContributeAsync(a, digest);
        Assert.True(response.IsSuccessStatusCode, $"contribution refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<T> PostAsync<T>(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    public void Dispose() => Http.Dispose();
}
