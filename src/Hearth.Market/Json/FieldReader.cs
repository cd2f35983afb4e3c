using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Hearth.Protocol;

namespace Hearth.Market.Json;

/// <summary>Reads the fields of one typed-data message, naming the field in every complaint. Every field is
/// required and no other field is allowed: a typo ("price" for "appprice") must not sign a different order
/// than the one its author meant.</summary>
internal sealed class FieldReader
{
    private static readonly BigInteger MaxUint256 = (BigInteger.One << 256) - 1;
    private readonly JsonElement _message;
    private readonly string _path;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public FieldReader(JsonElement message, string path)
    {
        if (message.ValueKind != JsonValueKind.Object)
            throw new OrderFormatException(path, $"expected a JSON object, got {Describe(message.ValueKind)}");
        _message = message;
        _path = path;
    }

    public BigInteger Uint(string name)
    {
        var value = Get(name);
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => throw Bad(name, $"expected a uint256 as a decimal string or a JSON number, got {Describe(value.ValueKind)}"),
        };
        BigInteger parsed;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && value.ValueKind == JsonValueKind.String)
        {
            if (text.Length is < 3 or > 66 || text.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") >= 0)
                throw Bad(name, $"'{text}' is not a uint256 in hex");
            parsed = BigInteger.Parse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }
        else
        {
            if (text.Length is 0 or > 78 || text.AsSpan().IndexOfAnyExcept("0123456789") >= 0)
                throw Bad(name, $"'{text}' is not a non-negative whole number (decimal digits only, no sign, fraction or exponent)");
            parsed = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        if (parsed > MaxUint256) throw Bad(name, $"{text} does not fit in a uint256");
        return parsed;
    }

    public byte[] Bytes32(string name)
    {
        var text = String(name, "a bytes32 as 0x and 64 hex digits");
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || !Hash32.TryParse(text, out var hash))
            throw Bad(name, $"'{Shorten(text)}' is not a bytes32 (0x and 64 hex digits)");
        return hash.ToArray();
    }

    public string Address(string name)
    {
        var text = String(name, "an address as 0x and 40 hex digits");
        if (!Addresses.IsValid(text)) throw Bad(name, $"'{Shorten(text)}' is not an address (0x and 40 hex digits)");
        return Addresses.Normalize(text);
    }

    public string String(string name) => String(name, "a string");

    /// <summary>Throws when the message holds a field that was never read.</summary>
    public void RejectUnknown(string typeName)
    {
        foreach (var property in _message.EnumerateObject())
        {
            if (!_read.Contains(property.Name))
                throw new OrderFormatException($"{_path}.{property.Name}", $"is not a field of {typeName}");
        }
    }

    private string String(string name, string expected)
    {
        var value = Get(name);
        if (value.ValueKind != JsonValueKind.String) throw Bad(name, $"expected {expected}, got {Describe(value.ValueKind)}");
        return value.GetString()!;
    }

    private JsonElement Get(string name)
    {
        _read.Add(name);
        if (!_message.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null)
            throw Bad(name, "is missing");
        return value;
    }

    private OrderFormatException Bad(string name, string problem) => new($"{_path}.{name}", problem);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
