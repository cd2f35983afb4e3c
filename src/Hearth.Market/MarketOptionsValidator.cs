using System.Net;
using Hearth.Protocol;
using Microsoft.Extensions.Options;

namespace Hearth.Market;

/// <summary>Rejects unusable settings at start-up with a message that names the setting and the fix.</summary>
public sealed class MarketOptionsValidator : IValidateOptions<MarketOptions>
{
    public ValidateOptionsResult Validate(string? name, MarketOptions options)
    {
        var failures = new List<string>();
        var s = MarketOptions.SectionName;

        if (!Uri.TryCreate(options.RpcUrl, UriKind.Absolute, out var rpc) || rpc.Scheme is not ("http" or "https" or "ws" or "wss"))
            failures.Add($"{s}:RpcUrl '{options.RpcUrl}' is not an absolute http(s) or ws(s) URL of the chain's JSON-RPC endpoint.");

        if (options.Deployment is not { } d)
            failures.Add($"{s}:Deployment is missing: give the chain id and the addresses of the market and its registries.");
        else
        {
            if (d.ChainId <= 0) failures.Add($"{s}:Deployment:ChainId must be positive, was {d.ChainId}.");
            foreach (var (field, value) in new[] { ("Market", d.Market), ("Apps", d.Apps), ("Datasets", d.Datasets), ("Workerpools", d.Workerpools) })
            {
                if (!Addresses.IsValid(value) || Addresses.IsZero(value))
                    failures.Add($"{s}:Deployment:{field} '{value}' is not a contract address (0x and 40 hex digits, not zero).");
            }
            if (d.Block < 0) failures.Add($"{s}:Deployment:Block must be the block the contracts were deployed in (0 or more), was {d.Block}.");
        }

        if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            if (string.IsNullOrWhiteSpace(options.DatabasePath))
                failures.Add($"{s}:DatabasePath is empty: set the absolute path of the SQLite file, or set {s}:PostgresConnectionString.");
            else if (!Path.IsPathFullyQualified(options.DatabasePath))
                failures.Add($"{s}:DatabasePath '{options.DatabasePath}' is relative: give an absolute path so the book does not depend on the working directory.");
            else if (Directory.Exists(options.DatabasePath))
                failures.Add($"{s}:DatabasePath '{options.DatabasePath}' is a folder; name the database file inside it.");
        }

        if (options.MaxBodyBytes is < 1024 or > 16 * 1024 * 1024)
            failures.Add($"{s}:MaxBodyBytes must be between 1024 and 16777216 bytes (an order needs about 2 KiB), was {options.MaxBodyBytes}.");
        if (options.PollInterval <= TimeSpan.Zero)
            failures.Add($"{s}:PollInterval must be positive, was {options.PollInterval}.");
        if (options.Confirmations < 0)
            failures.Add($"{s}:Confirmations must be 0 or more blocks, was {options.Confirmations}.");
        if (options.MaxBlockRange < 1)
            failures.Add($"{s}:MaxBlockRange must be at least 1 block, was {options.MaxBlockRange}.");
        if (options.MaxPageSize < 1)
            failures.Add($"{s}:MaxPageSize must be at least 1, was {options.MaxPageSize}.");
        if (options.PublishBurst < 1)
            failures.Add($"{s}:PublishBurst must be at least 1 publication, was {options.PublishBurst}.");
        if (options.PublishPerSecond < 1)
            failures.Add($"{s}:PublishPerSecond must be at least 1 publication per second, was {options.PublishPerSecond}.");
        if (options.Erc1271GasLimit is < 21_000 or > 10_000_000)
            failures.Add($"{s}:Erc1271GasLimit must be between 21000 and 10000000 gas, was {options.Erc1271GasLimit}.");
        if (options.MaxOpenRequestsPerRequester < 1)
            failures.Add($"{s}:MaxOpenRequestsPerRequester must be at least 1, was {options.MaxOpenRequestsPerRequester}.");
        if (options.MinRequesterBalance < 0)
            failures.Add($"{s}:MinRequesterBalance must be 0 or more, was {options.MinRequesterBalance}.");
        if (options.ListenPort is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
            failures.Add($"{s}:ListenPort must be between 0 (any free port) and {IPEndPoint.MaxPort}, was {options.ListenPort}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are unusable.</summary>
    public static void ThrowIfInvalid(MarketOptions options)
    {
        var result = new MarketOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(MarketOptions), result.Failures);
    }
}
