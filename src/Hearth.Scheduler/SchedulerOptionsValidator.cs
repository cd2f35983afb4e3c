using System.Globalization;
using System.Numerics;
using Hearth.Heat;
using Hearth.Protocol;
using Microsoft.Extensions.Options;
using Nethereum.Signer;

namespace Hearth.Scheduler;

/// <summary>Rejects unusable settings at start-up with a message that names the setting and the fix.</summary>
public sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions o)
    {
        var f = new List<string>();
        const string s = SchedulerOptions.SectionName;

        if (!IsHttpUrl(o.RpcUrl)) f.Add($"{s}:RpcUrl '{o.RpcUrl}' is not an absolute http(s) URL of a JSON-RPC endpoint.");
        if (o.ChainId <= 0) f.Add($"{s}:ChainId must be the chain's positive id (31337 for anvil), was {o.ChainId}.");
        if (o.Deployment is null)
            f.Add($"{s}:Deployment is missing: give the market's contract addresses (as `hearth` deploy prints them).");
        else
        {
            foreach (var (field, address) in new[] { ("Market", o.Deployment.Market), ("Apps", o.Deployment.Apps), ("Datasets", o.Deployment.Datasets), ("Workerpools", o.Deployment.Workerpools) })
                if (!Addresses.IsValid(address)) f.Add($"{s}:Deployment:{field} '{address}' is not an address (0x and 40 hex digits).");
            if (o.Deployment.ChainId != o.ChainId) f.Add($"{s}:Deployment:ChainId {o.Deployment.ChainId} differs from {s}:ChainId {o.ChainId}.");
            if (o.Deployment.Block < 0) f.Add($"{s}:Deployment:Block must be ≥ 0, was {o.Deployment.Block}.");
        }
        if (!BigInteger.TryParse(o.WorkerpoolId, NumberStyles.None, CultureInfo.InvariantCulture, out var pool) || pool <= 0)
            f.Add($"{s}:WorkerpoolId '{o.WorkerpoolId}' is not a registered pool id (a positive decimal number).");
        if (!IsPrivateKey(o.SchedulerPrivateKey)) f.Add($"{s}:SchedulerPrivateKey is not a wallet key (0x and 64 hex digits).");

        switch (o.Database)
        {
            case DatabaseProvider.Sqlite when string.IsNullOrWhiteSpace(o.SqlitePath) && string.IsNullOrWhiteSpace(o.ConnectionString):
                f.Add($"{s}:SqlitePath is empty: give the SQLite file to keep the pool's state in (or a {s}:ConnectionString).");
                break;
            case DatabaseProvider.PostgreSql when string.IsNullOrWhiteSpace(o.ConnectionString):
                f.Add($"{s}:ConnectionString is required with {s}:Database = PostgreSql (e.g. Host=...;Port=5432;Database=hearth;Username=...).");
                break;
        }

        if (o.Confirmations is < 0 or > 1_000) f.Add($"{s}:Confirmations must be between 0 and 1000 blocks, was {o.Confirmations}.");
        if (o.PollIntervalMs is < 10 or > 600_000) f.Add($"{s}:PollIntervalMs must be between 10 and 600000 ms, was {o.PollIntervalMs}.");
        if (o.MaxLogRange is < 1 or > 100_000) f.Add($"{s}:MaxLogRange must be between 1 and 100000 blocks, was {o.MaxLogRange}.");
        if (o.HeartbeatTimeoutSeconds is < 1 or > 86_400) f.Add($"{s}:HeartbeatTimeoutSeconds must be between 1 and 86400, was {o.HeartbeatTimeoutSeconds}.");
        if (o.AssignmentsAheadPerSlot is < 0 or > 16) f.Add($"{s}:AssignmentsAheadPerSlot must be between 0 and 16, was {o.AssignmentsAheadPerSlot}.");
        if (o.SettlementBatchSize is < 1 or > 1_000) f.Add($"{s}:SettlementBatchSize must be between 1 and 1000 tasks, was {o.SettlementBatchSize}.");
        if (o.SettlementMaxDelayMs is < 0 or > 3_600_000) f.Add($"{s}:SettlementMaxDelayMs must be between 0 and 3600000 ms, was {o.SettlementMaxDelayMs}.");
        if (o.SettlementAttempts is < 1 or > 100) f.Add($"{s}:SettlementAttempts must be between 1 and 100, was {o.SettlementAttempts}.");
        if (o.SettlementResendAfterSeconds is < 1 or > 86_400)
            f.Add($"{s}:SettlementResendAfterSeconds must be between 1 and 86400 seconds, was {o.SettlementResendAfterSeconds}.");
        if (o.SettlementCheckIntervalMs is < 10 or > 3_600_000)
            f.Add($"{s}:SettlementCheckIntervalMs must be between 10 and 3600000 ms, was {o.SettlementCheckIntervalMs}.");
        if (o.MaxReplicatesPerTask is < Protocol.Deals.ConsensusRule.MaxContributions or > 10_000)
            f.Add($"{s}:MaxReplicatesPerTask must be between {Protocol.Deals.ConsensusRule.MaxContributions} (the contract's contributions per task) and 10000 replicates, was {o.MaxReplicatesPerTask}.");
        if (o.ReplicateRetryDelayMs is < 0 or > 86_400_000)
            f.Add($"{s}:ReplicateRetryDelayMs must be between 0 and 86400000 ms, was {o.ReplicateRetryDelayMs}.");
        if (o.PlacementPolicy is not (LeastLoadedPlacement.PolicyName or HeatAwarePlacement.PolicyName))
            f.Add($"{s}:PlacementPolicy '{o.PlacementPolicy}' is unknown: use \"{LeastLoadedPlacement.PolicyName}\" or \"{HeatAwarePlacement.PolicyName}\".");
        if (!double.IsFinite(o.TaskPowerWatts) || o.TaskPowerWatts < 0) f.Add($"{s}:TaskPowerWatts must be a finite number ≥ 0, was {o.TaskPowerWatts}.");
        if (!IsHttpUrl(o.ResultStorageUrl)) f.Add($"{s}:ResultStorageUrl '{o.ResultStorageUrl}' is not an absolute http(s) URL of the result storage.");
        foreach (var source in o.InputListSources ?? [])
            if (!IsHttpUrl(source)) f.Add($"{s}:InputListSources entry '{source}' is not an absolute http(s) URL.");
        if (o.MaxInputListBytes is < 1024 or > 1L << 30) f.Add($"{s}:MaxInputListBytes must be between 1024 bytes and 1 GiB, was {o.MaxInputListBytes}.");
        if (o.InputListTimeoutSeconds is < 1 or > 3_600) f.Add($"{s}:InputListTimeoutSeconds must be between 1 and 3600 seconds, was {o.InputListTimeoutSeconds}.");
        const long Base = 256L * 1024 * 1024; // ResourceTag.Base: what every pool gives a task
        if (o.TaskMemoryBytes is < Base or > 4L << 30) f.Add($"{s}:TaskMemoryBytes must be between 256 MiB (what every pool gives a task) and 4 GiB, was {o.TaskMemoryBytes}.");
        if (o.TaskOutputBytes < Base) f.Add($"{s}:TaskOutputBytes must be at least 256 MiB (what every pool gives a task), was {o.TaskOutputBytes}.");
        if (o.TaskScratchBytes < Base) f.Add($"{s}:TaskScratchBytes must be at least 256 MiB (what every pool gives a task), was {o.TaskScratchBytes}.");
        if (o.MaxVolume < 1) f.Add($"{s}:MaxVolume must be positive, was {o.MaxVolume}.");
        if (o.ChallengeLifetimeSeconds is < 5 or > 3_600) f.Add($"{s}:ChallengeLifetimeSeconds must be between 5 and 3600, was {o.ChallengeLifetimeSeconds}.");
        if (o.TokenLifetimeMinutes is < 1 or > 10_080) f.Add($"{s}:TokenLifetimeMinutes must be between 1 and 10080, was {o.TokenLifetimeMinutes}.");
        if (o.AnonymousRequestsPerSecond is < 1 or > 100_000)
            f.Add($"{s}:AnonymousRequestsPerSecond must be between 1 and 100000 requests per second per client, was {o.AnonymousRequestsPerSecond}.");
        if (o.AnonymousBurstRequests is < 2 or > 1_000_000)
            f.Add($"{s}:AnonymousBurstRequests must be between 2 (a login is a challenge and a login request) and 1000000 requests, was {o.AnonymousBurstRequests}.");
        if (o.MaxRememberedChallenges is < 1 or > 10_000_000)
            f.Add($"{s}:MaxRememberedChallenges must be between 1 and 10000000 challenges, was {o.MaxRememberedChallenges}.");
        if (o.MaxConcurrentLongPolls is < 1 or > 1_000_000)
            f.Add($"{s}:MaxConcurrentLongPolls must be between 1 and 1000000 waiting exchanges, was {o.MaxConcurrentLongPolls}.");
        if (o.ScoreCacheSeconds is < 0 or > 3_600) f.Add($"{s}:ScoreCacheSeconds must be between 0 and 3600, was {o.ScoreCacheSeconds}.");
        foreach (var allowed in o.AllowedWorkers ?? [])
            if (!Addresses.IsValid(allowed)) f.Add($"{s}:AllowedWorkers holds '{allowed}', which is not an address (0x and 40 hex digits).");
        if (!string.IsNullOrEmpty(o.MinWorkerStake) && (!BigInteger.TryParse(o.MinWorkerStake, NumberStyles.None, CultureInfo.InvariantCulture, out var minStake) || minStake >= BigInteger.One << 96))
            f.Add($"{s}:MinWorkerStake '{o.MinWorkerStake}' is not an amount in the token's smallest unit (a decimal integer below 2^96), nor empty (the market's minimum).");
        if (o.AdmissionStakeCacheSeconds is < 1 or > 86_400) f.Add($"{s}:AdmissionStakeCacheSeconds must be between 1 and 86400, was {o.AdmissionStakeCacheSeconds}.");
        if (o.MaxSlotsPerWorker is < 1 or > 1_024) f.Add($"{s}:MaxSlotsPerWorker must be between 1 and 1024, was {o.MaxSlotsPerWorker}.");
        if (o.MaxLiveWorkers is < 1 or > 1_000_000) f.Add($"{s}:MaxLiveWorkers must be between 1 and 1000000, was {o.MaxLiveWorkers}.");
        if (!double.IsFinite(o.ReplicateLeaseCategoryMultiple) || o.ReplicateLeaseCategoryMultiple is < 1 or > 10)
            f.Add($"{s}:ReplicateLeaseCategoryMultiple must be between 1 (a task's longest run) and 10 (its deadline), was {o.ReplicateLeaseCategoryMultiple}.");
        if (o.ReplicateLeaseMinSeconds is < 1 or > 86_400) f.Add($"{s}:ReplicateLeaseMinSeconds must be between 1 and 86400, was {o.ReplicateLeaseMinSeconds}.");
        if (o.PruneWorkersAfterHours < 1 || o.PruneWorkersAfterHours * 3_600L <= o.HeartbeatTimeoutSeconds || o.PruneWorkersAfterHours > 24 * 365)
            f.Add($"{s}:PruneWorkersAfterHours must be at least 1, longer than {s}:HeartbeatTimeoutSeconds and at most a year, was {o.PruneWorkersAfterHours}.");
        if (o.MaxRequestBodyBytes is < 1_024 or > 16 * 1024 * 1024) f.Add($"{s}:MaxRequestBodyBytes must be between 1 KiB and 16 MiB, was {o.MaxRequestBodyBytes}.");
        if (o.ListenPort is < 0 or > 65_535) f.Add($"{s}:ListenPort must be between 0 (any free port) and 65535, was {o.ListenPort}.");

        return f.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(f);
    }

    public static void ThrowIfInvalid(SchedulerOptions options)
    {
        var result = new SchedulerOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed) throw new OptionsValidationException(Options.DefaultName, typeof(SchedulerOptions), result.Failures);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsPrivateKey(string? key)
    {
        if (key is not { Length: 66 } || !key.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || key.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") >= 0)
            return false;
        try
        {
            _ = new EthECKey(key).GetPublicAddress();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
