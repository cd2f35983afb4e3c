using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Hearth.Protocol;

namespace Hearth.Market.Book;

/// <summary>
/// Where a page of the book ends, in the book's order (price, publication time, hash): the next page is the orders
/// strictly after it. Opaque to callers (base64url of the three keys); reading on from it costs the same at any depth,
/// as it is a range condition on the sort keys, never an OFFSET.
/// </summary>
public sealed record OrderCursor(string PriceKey, long PublishedAtMs, string Hash)
{
    public static OrderCursor After(StoredOrder last) => new(last.PriceKey, last.PublishedAtMs, last.Hash);

    public override string ToString() =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{PriceKey}.{PublishedAtMs.ToString(CultureInfo.InvariantCulture)}.{Hash}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParse(string? text, [NotNullWhen(true)] out OrderCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 256) return false;
        var b64 = text.Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        string plain;
        try
        {
            plain = Encoding.ASCII.GetString(Convert.FromBase64String(b64));
        }
        catch (FormatException)
        {
            return false;
        }
        var parts = plain.Split('.');
        if (parts.Length != 3) return false;
        if (parts[0].Length != UintKey.Digits || parts[0].AsSpan().IndexOfAnyExcept("0123456789") >= 0) return false;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return false;
        if (!parts[2].StartsWith("0x", StringComparison.Ordinal) || !Hash32.TryParse(parts[2], out var hash) || hash.ToString() != parts[2]) return false;
        cursor = new OrderCursor(parts[0], ms, parts[2]);
        return true;
    }
}
