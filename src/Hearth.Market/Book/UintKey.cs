using System.Globalization;
using System.Numerics;

namespace Hearth.Market.Book;

/// <summary>A uint256 as 78 decimal digits, zero-padded: string order is numeric order, so prices and volumes sort
/// and compare in SQL on SQLite and PostgreSQL alike, with no 256-bit column type.</summary>
internal static class UintKey
{
    public const int Digits = 78;

    public static string Of(BigInteger value) => value.ToString(CultureInfo.InvariantCulture).PadLeft(Digits, '0');

    public static BigInteger Parse(string key) => BigInteger.Parse(key, NumberStyles.None, CultureInfo.InvariantCulture);
}
