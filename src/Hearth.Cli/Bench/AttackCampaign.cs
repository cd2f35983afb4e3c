using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hearth.Cli.Bench.Attacks;
using Hearth.Network;

namespace Hearth.Cli.Bench;

/// <summary>What one attack did, what the network answered, and whether the honest parties were safe.</summary>
public sealed record AttackOutcome(
    [property: JsonPropertyName("attack")] string Attack,
    [property: JsonPropertyName("done")] string Done,
    [property: JsonPropertyName("observed")] string Observed,
    [property: JsonPropertyName("pass")] bool Pass,
    [property: JsonPropertyName("seconds")] double Seconds = 0);

/// <summary>One attack played against a live local network.</summary>
public interface IAttack
{
    string Name { get; }

    Task<AttackOutcome> PlayAsync(LocalNetwork net, CancellationToken ct);
}

/// <summary>
/// `hearth bench attacks`: starts a local network and plays each attack of docs/security.md against it as an attacker
/// would, printing one JSON line per attack (what was done, what was observed, pass or fail). The exit code is non-zero
/// when any attack passed through. An attack that throws is a failure with its exception as the observation.
/// </summary>
public static class AttackCampaign
{
    // Readable lines: the observations quote error messages with quotes and symbols in them.
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<IAttack> All { get; } =
    [
        new FabricatedKeysAttack(),
        new OneStakeManyContributionsAttack(),
        new AddressZeroEscrowAttack(),
        new OpenRequestSnipingAttack(),
        new ManyMemoriesAttack(),
        new ResultCopyingAttack(),
        new ArchiveEscapeAttack(),
        new SybilLoginsAttack(), new SlotHoardingAttack(),
        new StorageOutageAttack(),
        new OrderBookSpamAttack(OrderBookSpamAttack.OrdersFromEnvironment()),
        new CappedRpcAttack(),
        new ChallengeFloodAttack(),
        new HighSContributionAttack(),
        new UploadFloodAttack(),
        new HostileAppLocationsAttack(),
        new LongPollFloodAttack(),
        new SettlementCrashAttack(),
        new StalledReceiptsAttack(),
        new ReorgAttack(),
    ];

    public static async Task<int> RunAsync(TextWriter output, IEnumerable<string>? only, CancellationToken ct)
    {
        var chosen = only is null ? All : All.Where(a => only.Contains(a.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var failed = 0;
        await using var net = await LocalNetwork.StartAsync(new LocalNetworkOptions { Workers = 2 }, ct);
        foreach (var attack in chosen)
        {
            var clock = Stopwatch.StartNew();
            AttackOutcome outcome;
            try
            {
                outcome = await attack.PlayAsync(net, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = new AttackOutcome(attack.Name, "played", $"the attack threw: {e.GetType().Name}: {e.Message.Split('\n')[0]}", false);
            }
            outcome = outcome with { Seconds = Math.Round(clock.Elapsed.TotalSeconds, 2) };
            if (!outcome.Pass) failed++;
            await output.WriteLineAsync(JsonSerializer.Serialize(outcome, Json));
        }
        return failed == 0 ? 0 : 1;
    }
}
