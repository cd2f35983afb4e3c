using Hearth.Protocol;
using Hearth.Worker.Execution;
using Microsoft.Extensions.Options;

namespace Hearth.Worker;

/// <summary>Rejects unusable worker settings at start-up with a message that names the setting and the fix.</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string section = WorkerOptions.SectionName;

        CheckUrl(failures, $"{section}:SchedulerUrl", options.SchedulerUrl, "the base URL of the pool's scheduler API");
        CheckUrl(failures, $"{section}:StorageUrl", options.StorageUrl, "the base URL of the storage service for modules, datasets and results");

        if (string.IsNullOrWhiteSpace(options.Workerpool))
            failures.Add($"{section}:Workerpool is empty: set it to the id of the workerpool this worker serves.");
        else if (options.Workerpool.Any(char.IsWhiteSpace))
            failures.Add($"{section}:Workerpool '{options.Workerpool}' holds white space: give the pool's id alone.");

        if (!WorkerIdentity.IsValidPrivateKey(options.PrivateKey))
            failures.Add($"{section}:PrivateKey is {(string.IsNullOrEmpty(options.PrivateKey) ? "empty" : "malformed")}: give the worker's wallet key as 0x and 64 hex digits (a non-zero secp256k1 key).");

        CheckFolder(failures, $"{section}:CacheFolder", options.CacheFolder, "downloaded modules and datasets");
        CheckFolder(failures, $"{section}:WorkFolder", options.WorkFolder, "runs in progress and the worker's state file");

        if (options.Slots is < 1 or > 1024)
            failures.Add($"{section}:Slots must be between 1 and 1024 parallel tasks, was {options.Slots}.");
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(50) || options.HeartbeatInterval > TimeSpan.FromHours(1))
            failures.Add($"{section}:HeartbeatInterval must be between 50 ms and 1 hour, was {options.HeartbeatInterval}.");
        if (options.TelemetrySource is not (TelemetrySources.Simulated or TelemetrySources.None))
            failures.Add($"{section}:TelemetrySource must be '{TelemetrySources.Simulated}' or '{TelemetrySources.None}', was '{options.TelemetrySource}'.");
        if (options.SimulatedDayStartHour is { } hour && !(hour >= 0 && hour < 24))
            failures.Add($"{section}:SimulatedDayStartHour must be an hour from 0 to under 24, was {hour}.");

        if (options.ChainId <= 0)
            failures.Add($"{section}:ChainId must be the positive id of the market's chain (31337 for anvil), was {options.ChainId}.");
        if (!Addresses.IsValid(options.MarketAddress) || Addresses.IsZero(options.MarketAddress))
            failures.Add($"{section}:MarketAddress '{options.MarketAddress}' is not a contract address (0x and 40 hex digits, not zero): contributions are signed for this market.");
        if (!Addresses.IsValid(options.SchedulerAddress) || Addresses.IsZero(options.SchedulerAddress))
            failures.Add($"{section}:SchedulerAddress '{options.SchedulerAddress}' is not an address (0x and 40 hex digits, not zero): assignments are checked against it.");

        if (options.AssignmentWaitSeconds is < 0 or > 300)
            failures.Add($"{section}:AssignmentWaitSeconds must be between 0 and 300, was {options.AssignmentWaitSeconds}.");
        if (options.RequestTimeout <= TimeSpan.Zero)
            failures.Add($"{section}:RequestTimeout must be positive, was {options.RequestTimeout}.");
        if (options.ProgressReportDelay < TimeSpan.Zero || options.ProgressReportDelay > TimeSpan.FromHours(1))
            failures.Add($"{section}:ProgressReportDelay must be between 0 and 1 hour, was {options.ProgressReportDelay}.");
        if (options.RetryInitialDelay <= TimeSpan.Zero)
            failures.Add($"{section}:RetryInitialDelay must be positive, was {options.RetryInitialDelay}.");
        if (options.RetryMaxDelay < options.RetryInitialDelay)
            failures.Add($"{section}:RetryMaxDelay ({options.RetryMaxDelay}) must not be shorter than RetryInitialDelay ({options.RetryInitialDelay}).");
        if (options.DownloadAttempts is < 1 or > 100)
            failures.Add($"{section}:DownloadAttempts must be between 1 and 100, was {options.DownloadAttempts}.");
        if (options.MaxAppBytes <= 0)
            failures.Add($"{section}:MaxAppBytes must be a positive number of bytes (the largest app module downloaded), was {options.MaxAppBytes}.");
        if (options.MaxDatasetBytes <= 0)
            failures.Add($"{section}:MaxDatasetBytes must be a positive number of bytes (the largest dataset downloaded), was {options.MaxDatasetBytes}.");
        if (options.MaxDatasetUnpackedBytes <= 0)
            failures.Add($"{section}:MaxDatasetUnpackedBytes must be a positive number of bytes (the most a dataset archive unpacks to), was {options.MaxDatasetUnpackedBytes}.");
        if (options.MaxAppTreeUnpackedBytes <= 0)
            failures.Add($"{section}:MaxAppTreeUnpackedBytes must be a positive number of bytes (the most one tree of an app bundle unpacks to), was {options.MaxAppTreeUnpackedBytes}.");
        if (options.MaxAppTreeEntries <= 0)
            failures.Add($"{section}:MaxAppTreeEntries must be a positive number (the most entries one tree of an app bundle holds), was {options.MaxAppTreeEntries}.");
        if (options.MaxDatasetEntries <= 0)
            failures.Add($"{section}:MaxDatasetEntries must be a positive number (the most entries a dataset archive holds), was {options.MaxDatasetEntries}.");
        if (options.DownloadIdleTimeout < TimeSpan.FromMilliseconds(100) || options.DownloadIdleTimeout > TimeSpan.FromHours(1))
            failures.Add($"{section}:DownloadIdleTimeout must be between 100 ms and 1 hour, was {options.DownloadIdleTimeout}.");
        if (options.DownloadTimeout < TimeSpan.FromSeconds(1) || options.DownloadTimeout > TimeSpan.FromDays(7))
            failures.Add($"{section}:DownloadTimeout must be between 1 second and 7 days, was {options.DownloadTimeout}.");
        if (options.AllowedDownloadHosts is null)
            failures.Add($"{section}:AllowedDownloadHosts must be a list (empty: any host with public addresses).");
        else
        {
            for (var i = 0; i < options.AllowedDownloadHosts.Count; i++)
            {
                if (DownloadAddressPolicy.DescribeInvalidEntry(options.AllowedDownloadHosts[i]) is { } problem)
                    failures.Add($"{section}:AllowedDownloadHosts:{i} {problem}");
            }
        }
        if (options.MaxScratchBytes <= 0)
            failures.Add($"{section}:MaxScratchBytes must be a positive number of bytes, was {options.MaxScratchBytes}.");
        if (options.MaxOutputBytes <= 0)
            failures.Add($"{section}:MaxOutputBytes must be a positive number of bytes, was {options.MaxOutputBytes}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(WorkerOptions options)
    {
        var result = new WorkerOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(WorkerOptions), result.Failures);
    }

    private static void CheckUrl(List<string> failures, string setting, string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            failures.Add($"{setting} is empty: set it to {what}.");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            failures.Add($"{setting} '{value}' is not an absolute http(s) URL: set it to {what}.");
    }

    private static void CheckFolder(List<string> failures, string setting, string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            failures.Add($"{setting} is empty: set it to the absolute folder for {what}.");
        else if (!Path.IsPathFullyQualified(value))
            failures.Add($"{setting} '{value}' is relative: give an absolute folder for {what}.");
        else if (File.Exists(value))
            failures.Add($"{setting} '{value}' is a file, not a folder.");
    }
}
