using System.Text.Json;

namespace Hearth.Worker.Api;

/// <summary>Reads why the scheduler refused a request: RFC 7807 "detail", an <c>ApiError</c> "error", or the raw body cut short.</summary>
internal static class ProblemDetail
{
    private const int MaxShown = 300;

    public static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        if (body.Length == 0)
            return "(no details given)";
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var name in (string[])["detail", "error", "title"])
                    {
                        if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                            return Shorten(value.GetString()!);
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: the raw body below is the best description there is.
            }
        }
        return Shorten(body);
    }

    private static string Shorten(string text) => text.Length > MaxShown ? text[..MaxShown] + "…" : text;
}
