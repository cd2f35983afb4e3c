using System.Security.Cryptography;

namespace Hearth.Storage;

/// <summary>
/// The address of a blob: the lowercase hex sha256 of its content. Construction is only possible
/// through validation, so an address can be turned into a path without risk of traversal.
/// </summary>
public readonly record struct BlobAddress
{
    /// <summary>Number of hex characters in an address.</summary>
    public const int HexLength = 64;

    private readonly string? _hex;

    private BlobAddress(string hex) => _hex = hex;

    /// <summary>The 64 lowercase hex characters.</summary>
    public string Hex => _hex ?? throw new InvalidOperationException("This BlobAddress is the default value and names no blob.");

    /// <summary>The first two hex characters, used to shard the store's folders.</summary>
    public string Shard => Hex[..2];

    public static bool IsValid(string? text)
    {
        if (text is null || text.Length != HexLength)
            return false;
        foreach (var c in text)
        {
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f'))
                return false;
        }
        return true;
    }

    public static bool TryParse(string? text, out BlobAddress address)
    {
        address = IsValid(text) ? new BlobAddress(text!) : default;
        return address._hex is not null;
    }

    public static BlobAddress Parse(string? text) =>
        TryParse(text, out var address) ? address : throw new FormatException(DescribeInvalid(text));

    /// <summary>A message saying why <paramref name="text"/> is not an address; long or hostile input is cut short.</summary>
    public static string DescribeInvalid(string? text)
    {
        if (text is null)
            return "A blob address is required: 64 lowercase hex characters (a sha256).";
        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return $"'{shown}' is not a blob address: expected 64 lowercase hex characters (a sha256), got {text.Length} characters.";
    }

    public static BlobAddress FromHash(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != SHA256.HashSizeInBytes)
            throw new ArgumentException($"A sha256 is {SHA256.HashSizeInBytes} bytes, got {sha256.Length}.", nameof(sha256));
        return new BlobAddress(Convert.ToHexStringLower(sha256));
    }

    public static BlobAddress Compute(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    /// <summary>Hashes <paramref name="content"/> from its current position to its end.</summary>
    public static async Task<BlobAddress> ComputeAsync(Stream content, CancellationToken ct) =>
        FromHash(await SHA256.HashDataAsync(content, ct));

    public override string ToString() => _hex ?? "";
}
