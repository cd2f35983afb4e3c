using Nethereum.Util;

namespace Hearth.Protocol;

public static class Addresses
{
    public const string Zero = "0x0000000000000000000000000000000000000000";

    public static byte[] ToBytes(string address)
    {
        if (!IsValid(address)) throw new FormatException($"'{address}' is not an address (0x and 40 hex digits)");
        return Convert.FromHexString(address.AsSpan(2));
    }

    public static bool IsValid(string? address) =>
        address is { Length: 42 } && address.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        && address.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") < 0;

    /// <summary>The EIP-55 checksummed form.</summary>
    public static string Normalize(string address) => new AddressUtil().ConvertToChecksumAddress(ToBytes(address));

    public static bool AreEqual(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public static bool IsZero(string? address) => address is null || AreEqual(address, Zero);
}
