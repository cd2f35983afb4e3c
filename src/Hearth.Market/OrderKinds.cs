using Hearth.Protocol.Orders;

namespace Hearth.Market;

/// <summary>The names of the order kinds in URLs and JSON: app, dataset, workerpool, request.</summary>
public static class OrderKinds
{
    public static string Name(OrderKind kind) => kind switch
    {
        OrderKind.App => "app",
        OrderKind.Dataset => "dataset",
        OrderKind.Workerpool => "workerpool",
        OrderKind.Request => "request",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(string? name, out OrderKind kind)
    {
        switch (name?.ToLowerInvariant())
        {
            case "app": kind = OrderKind.App; return true;
            case "dataset": kind = OrderKind.Dataset; return true;
            case "workerpool": kind = OrderKind.Workerpool; return true;
            case "request": kind = OrderKind.Request; return true;
            default: kind = default; return false;
        }
    }
}
