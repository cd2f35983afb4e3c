using System.Net;
using Microsoft.Extensions.Options;

namespace Hearth.Storage;

/// <summary>Rejects unusable settings at start-up with a message that names the setting and the fix.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        var section = StorageOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.RootPath))
            failures.Add($"{section}:RootPath is empty: set it to the absolute folder where blobs are kept.");
        else if (!Path.IsPathFullyQualified(options.RootPath))
            failures.Add($"{section}:RootPath '{options.RootPath}' is relative: give an absolute folder so the store does not depend on the working directory.");
        else if (File.Exists(options.RootPath))
            failures.Add($"{section}:RootPath '{options.RootPath}' is a file, not a folder.");

        if (options.MaxBlobBytes <= 0)
            failures.Add($"{section}:MaxBlobBytes must be a positive number of bytes, was {options.MaxBlobBytes}.");

        if (options.MaxBatchBlobs <= 0)
            failures.Add($"{section}:MaxBatchBlobs must be a positive number of blobs, was {options.MaxBatchBlobs}.");

        if (options.MaxBatchBytes < BlobBatchFormat.LengthPrefixBytes)
            failures.Add($"{section}:MaxBatchBytes must be at least {BlobBatchFormat.LengthPrefixBytes} bytes (one blob's length prefix), was {options.MaxBatchBytes}.");

        if (options.StaleUploadAge <= TimeSpan.Zero)
            failures.Add($"{section}:StaleUploadAge must be positive, was {options.StaleUploadAge}.");

        if (options.ListenPort is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
            failures.Add($"{section}:ListenPort must be between 0 (any free port) and {IPEndPoint.MaxPort}, was {options.ListenPort}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are unusable.</summary>
    public static void ThrowIfInvalid(StorageOptions options)
    {
        var result = new StorageOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(StorageOptions), result.Failures);
    }
}
