using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Protocol;
using Hearth.Protocol.Orders;

namespace Hearth.Market.Json;

/// <summary>Orders as the typed-data messages a wallet signs: the Solidity field names, uint256 as decimal strings
/// (JSON numbers lose precision past 2^53), bytes32 and addresses as 0x hex. See docs/orders.md.</summary>
public static class OrderJson
{
    public static IOrder Parse(OrderKind kind, JsonElement message, string path = "order")
    {
        var r = new FieldReader(message, path);
        IOrder order = kind switch
        {
            OrderKind.App => new AppOrder
            {
                App = r.Uint("app"), AppPrice = r.Uint("appprice"), Volume = r.Uint("volume"), Tag = r.Bytes32("tag"),
                DatasetRestrict = r.Uint("datasetrestrict"), WorkerpoolRestrict = r.Uint("workerpoolrestrict"),
                RequesterRestrict = r.Address("requesterrestrict"), Expiry = r.Uint("expiry"), Salt = r.Bytes32("salt"),
            },
            OrderKind.Dataset => new DatasetOrder
            {
                Dataset = r.Uint("dataset"), DatasetPrice = r.Uint("datasetprice"), Volume = r.Uint("volume"), Tag = r.Bytes32("tag"),
                AppRestrict = r.Uint("apprestrict"), WorkerpoolRestrict = r.Uint("workerpoolrestrict"),
                RequesterRestrict = r.Address("requesterrestrict"), Expiry = r.Uint("expiry"), Salt = r.Bytes32("salt"),
            },
            OrderKind.Workerpool => new WorkerpoolOrder
            {
                Workerpool = r.Uint("workerpool"), WorkerpoolPrice = r.Uint("workerpoolprice"), Volume = r.Uint("volume"),
                Tag = r.Bytes32("tag"), Category = r.Uint("category"), Trust = r.Uint("trust"), AppRestrict = r.Uint("apprestrict"),
                DatasetRestrict = r.Uint("datasetrestrict"), RequesterRestrict = r.Address("requesterrestrict"),
                Expiry = r.Uint("expiry"), Salt = r.Bytes32("salt"),
            },
            OrderKind.Request => new RequestOrder
            {
                App = r.Uint("app"), AppMaxPrice = r.Uint("appmaxprice"), Dataset = r.Uint("dataset"),
                DatasetMaxPrice = r.Uint("datasetmaxprice"), Workerpool = r.Uint("workerpool"),
                WorkerpoolMaxPrice = r.Uint("workerpoolmaxprice"), Requester = r.Address("requester"), Volume = r.Uint("volume"),
                Tag = r.Bytes32("tag"), Category = r.Uint("category"), Trust = r.Uint("trust"), Beneficiary = r.Address("beneficiary"),
                Callback = r.Address("callback"), Params = r.String("params"), Expiry = r.Uint("expiry"), Salt = r.Bytes32("salt"),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        r.RejectUnknown(TypeName(kind));
        return order;
    }

    /// <summary>The typed-data message of <paramref name="order"/>, in the field order of its EIP-712 type.</summary>
    public static JsonObject ToMessage(IOrder order) => order switch
    {
        AppOrder o => new JsonObject
        {
            ["app"] = U(o.App), ["appprice"] = U(o.AppPrice), ["volume"] = U(o.Volume), ["tag"] = B(o.Tag),
            ["datasetrestrict"] = U(o.DatasetRestrict), ["workerpoolrestrict"] = U(o.WorkerpoolRestrict),
            ["requesterrestrict"] = A(o.RequesterRestrict), ["expiry"] = U(o.Expiry), ["salt"] = B(o.Salt),
        },
        DatasetOrder o => new JsonObject
        {
            ["dataset"] = U(o.Dataset), ["datasetprice"] = U(o.DatasetPrice), ["volume"] = U(o.Volume), ["tag"] = B(o.Tag),
            ["apprestrict"] = U(o.AppRestrict), ["workerpoolrestrict"] = U(o.WorkerpoolRestrict),
            ["requesterrestrict"] = A(o.RequesterRestrict), ["expiry"] = U(o.Expiry), ["salt"] = B(o.Salt),
        },
        WorkerpoolOrder o => new JsonObject
        {
            ["workerpool"] = U(o.Workerpool), ["workerpoolprice"] = U(o.WorkerpoolPrice), ["volume"] = U(o.Volume), ["tag"] = B(o.Tag),
            ["category"] = U(o.Category), ["trust"] = U(o.Trust), ["apprestrict"] = U(o.AppRestrict),
            ["datasetrestrict"] = U(o.DatasetRestrict), ["requesterrestrict"] = A(o.RequesterRestrict),
            ["expiry"] = U(o.Expiry), ["salt"] = B(o.Salt),
        },
        RequestOrder o => new JsonObject
        {
            ["app"] = U(o.App), ["appmaxprice"] = U(o.AppMaxPrice), ["dataset"] = U(o.Dataset), ["datasetmaxprice"] = U(o.DatasetMaxPrice),
            ["workerpool"] = U(o.Workerpool), ["workerpoolmaxprice"] = U(o.WorkerpoolMaxPrice), ["requester"] = A(o.Requester),
            ["volume"] = U(o.Volume), ["tag"] = B(o.Tag), ["category"] = U(o.Category), ["trust"] = U(o.Trust),
            ["beneficiary"] = A(o.Beneficiary), ["callback"] = A(o.Callback), ["params"] = o.Params,
            ["expiry"] = U(o.Expiry), ["salt"] = B(o.Salt),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(order), $"unknown order type {order.GetType().Name}"),
    };

    /// <summary>The EIP-712 primary type name: AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder.</summary>
    public static string TypeName(OrderKind kind) => kind switch
    {
        OrderKind.App => "AppOrder",
        OrderKind.Dataset => "DatasetOrder",
        OrderKind.Workerpool => "WorkerpoolOrder",
        OrderKind.Request => "RequestOrder",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static JsonNode U(BigInteger value) => JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    private static JsonNode B(byte[] value) => JsonValue.Create(new Hash32(value).ToString());

    private static JsonNode A(string address) => JsonValue.Create(Addresses.Normalize(address));
}
