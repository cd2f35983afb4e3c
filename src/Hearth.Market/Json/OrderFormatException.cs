namespace Hearth.Market.Json;

/// <summary>An order or request body that is not well formed; <see cref="Field"/> names the culprit (e.g. <c>order.appprice</c>).</summary>
public sealed class OrderFormatException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
