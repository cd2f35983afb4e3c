using System.Globalization;
using System.Numerics;

namespace Hearth.Chain;

/// <summary>The payment token has 9 decimals: amounts on chain are in nano-HRTH.</summary>
public static class Tokens
{
    public const int Decimals = 9;
    public static readonly BigInteger One = BigInteger.Pow(10, Decimals);

    public static BigInteger FromHrth(decimal hrth) => new(hrth * 1_000_000_000m);

    public static string Format(object? amount) => amount switch
    {
        BigInteger b => Format(b),
        null => "?",
        _ => amount.ToString() ?? "?",
    };

    public static string Format(BigInteger nano)
    {
        var whole = BigInteger.DivRem(nano, One, out var frac);
        var text = frac.IsZero ? whole.ToString(CultureInfo.InvariantCulture) : $"{whole}.{frac.ToString(CultureInfo.InvariantCulture).PadLeft(Decimals, '0').TrimEnd('0')}";
        return text + " HRTH";
    }
}
