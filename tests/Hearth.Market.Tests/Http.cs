using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Market.Json;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Tests;

/// <summary>Raw HTTP for the tests that send what the typed client never would.</summary>
internal static class Http
{
    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient http, string kind, string body) =>
        http.PostAsync($"api/orders/{kind}", new StringContent(body, Encoding.UTF8, "application/json"));

    public static JsonObject Body(IOrder order, byte[] signature) => new()
    {
        ["order"] = OrderJson.ToMessage(order),
        ["signature"] = "0x" + Convert.ToHexStringLower(signature),
    };

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
}
