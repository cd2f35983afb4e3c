using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Hearth.Market.Http;

/// <summary>Reads a request body up to a limit, whatever limit the host's server has, so a huge body costs the
/// book at most the limit in memory.</summary>
internal static class BodyReader
{
    /// <summary>The body, or null when it is over <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContext http, long maxBytes, CancellationToken ct)
    {
        if (http.Request.ContentLength > maxBytes) return null;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }
}
