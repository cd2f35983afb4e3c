using System.Globalization;
using System.Numerics;
using Hearth.Market.Json;
using Hearth.Protocol;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Book;

/// <summary>Turns an order into the row the book stores: the columns it is queried by, and its canonical message.</summary>
internal static class OrderIndex
{
    public static StoredOrder Row(IOrder order, Hash32 hash, byte[] signature, string signer, BigInteger remaining, long nowMs)
    {
        var row = new StoredOrder
        {
            Hash = hash.ToString(),
            Kind = order.Kind,
            Signature = "0x" + Convert.ToHexStringLower(signature),
            Signer = Addresses.Normalize(signer),
            RemainingKey = UintKey.Of(remaining),
            Volume = Volume(order).ToString(CultureInfo.InvariantCulture),
            Status = remaining.IsZero ? OrderStatus.Consumed : OrderStatus.Open,
            MessageJson = OrderJson.ToMessage(order).ToJsonString(),
            PublishedAtMs = nowMs,
            UpdatedAtMs = nowMs,
        };
        byte[] tag;
        BigInteger expiry;
        switch (order)
        {
            case AppOrder o:
                (row.App, row.Dataset, row.Workerpool, row.Requester) = (Id(o.App), Id(o.DatasetRestrict), Id(o.WorkerpoolRestrict), Lower(o.RequesterRestrict));
                row.PriceKey = UintKey.Of(o.AppPrice);
                (tag, expiry) = (o.Tag, o.Expiry);
                break;
            case DatasetOrder o:
                (row.App, row.Dataset, row.Workerpool, row.Requester) = (Id(o.AppRestrict), Id(o.Dataset), Id(o.WorkerpoolRestrict), Lower(o.RequesterRestrict));
                row.PriceKey = UintKey.Of(o.DatasetPrice);
                (tag, expiry) = (o.Tag, o.Expiry);
                break;
            case WorkerpoolOrder o:
                (row.App, row.Dataset, row.Workerpool, row.Requester) = (Id(o.AppRestrict), Id(o.DatasetRestrict), Id(o.Workerpool), Lower(o.RequesterRestrict));
                row.PriceKey = UintKey.Of(o.WorkerpoolPrice);
                row.Category = (long)o.Category; // the verifier checked the category exists, so it is small
                (tag, expiry) = (o.Tag, o.Expiry);
                break;
            case RequestOrder o:
                (row.App, row.Dataset, row.Workerpool, row.Requester) = (Id(o.App), Id(o.Dataset), Id(o.Workerpool), Lower(o.Requester));
                row.PriceKey = UintKey.Of(o.AppMaxPrice + o.DatasetMaxPrice + o.WorkerpoolMaxPrice);
                row.Category = (long)o.Category;
                (tag, expiry) = (o.Tag, o.Expiry);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(order));
        }
        var words = TagWords.Of(tag);
        (row.Tag0, row.Tag1, row.Tag2, row.Tag3) = (words.W0, words.W1, words.W2, words.W3);
        row.Expiry = expiry > long.MaxValue ? long.MaxValue : (long)expiry;
        return row;
    }

    public static BigInteger Volume(IOrder order) => order switch
    {
        AppOrder o => o.Volume,
        DatasetOrder o => o.Volume,
        WorkerpoolOrder o => o.Volume,
        RequestOrder o => o.Volume,
        _ => throw new ArgumentOutOfRangeException(nameof(order)),
    };

    public static BigInteger Expiry(IOrder order) => order switch
    {
        AppOrder o => o.Expiry,
        DatasetOrder o => o.Expiry,
        WorkerpoolOrder o => o.Expiry,
        RequestOrder o => o.Expiry,
        _ => throw new ArgumentOutOfRangeException(nameof(order)),
    };

    public static string Id(BigInteger id) => id.ToString(CultureInfo.InvariantCulture);

    public static string Lower(string address) => address.ToLowerInvariant();
}
