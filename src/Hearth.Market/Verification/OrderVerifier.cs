using System.Numerics;
using Hearth.Market.Book;
using Hearth.Protocol;
using Hearth.Protocol.Orders;
using static Hearth.Market.Verification.OrderRejectedException;

namespace Hearth.Market.Verification;

/// <summary>The order as the book accepted it.</summary>
public sealed record VerifiedOrder(Hash32 Hash, string Signer, BigInteger Remaining);

/// <summary>Checks a published order the way matchOrders will, so the book only lists orders that can be matched:
/// the assets exist, the signature comes from the asset's current owner (or the requester), and the order is
/// neither expired nor used up. A request must also be funded: its requester's free escrow balance covers one task at
/// its maximum prices (and <see cref="MarketOptions.MinRequesterBalance"/>), so unfunded keys list nothing.</summary>
public sealed class OrderVerifier(MarketChain chain, TimeProvider time, Microsoft.Extensions.Options.IOptions<MarketOptions> options)
{
    public Hash32 HashOf(IOrder order) => chain.Domain.Digest(order.StructHash());

    public async Task<VerifiedOrder> VerifyAsync(IOrder order, byte[] signature, CancellationToken ct)
    {
        var hash = HashOf(order);
        var volume = OrderIndex.Volume(order);
        if (volume.IsZero) throw new OrderRejectedException(EmptyVolume, "the order's volume is 0: it could never be matched");

        var expiry = OrderIndex.Expiry(order);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (!expiry.IsZero && expiry < now)
            throw new OrderRejectedException(Expired, $"the order expired at {Describe(expiry)} (now {DateTimeOffset.FromUnixTimeSeconds(now):u})");

        // The cheap local check first; then one read that refuses unfunded requesters before the others.
        if (order is RequestOrder request) await CheckFundsAsync(request, ct);
        var signer = await ExpectedSignerAsync(order, ct);
        await CheckCategoryAsync(order, ct);
        await CheckSignatureAsync(order.Kind, hash, signer, signature, ct);

        // A request, like the other orders, may have gone into deals in part: the book lists what is left.
        var remaining = await chain.RemainingAsync(order.Kind, hash, volume, ct);
        if (remaining.IsZero)
            throw new OrderRejectedException(Consumed, $"{OrderKinds.Name(order.Kind)} order {hash} has no volume left on chain (matched, consumed or cancelled)");
        return new VerifiedOrder(hash, signer, remaining);
    }

    /// <summary>One task of the request at its maximum prices is what matchOrders locks at least: a requester whose free
    /// balance is below it cannot be matched at those prices, and its orders would only fill the book.</summary>
    private async Task CheckFundsAsync(RequestOrder o, CancellationToken ct)
    {
        if (Addresses.IsZero(o.Requester)) throw new Json.OrderFormatException("order.requester", "must be the requester's address, not zero");
        var perTask = o.AppMaxPrice + o.DatasetMaxPrice + o.WorkerpoolMaxPrice;
        var needed = BigInteger.Max(perTask, options.Value.MinRequesterBalance);
        var free = await chain.FreeBalanceAsync(o.Requester, ct);
        if (free < needed)
            throw new OrderRejectedException(InsufficientFunds,
                $"requester {Addresses.Normalize(o.Requester)} has {free} free in the market's escrow; a request needs at least {needed} "
                + $"(one task at its maximum prices: {perTask}, and at least {options.Value.MinRequesterBalance}): deposit first");
    }

    /// <summary>The account whose signature the contract will check; every asset the order names must be registered.</summary>
    private async Task<string> ExpectedSignerAsync(IOrder order, CancellationToken ct)
    {
        switch (order)
        {
            case AppOrder o: return await OwnerAsync(OrderKind.App, o.App, ct);
            case DatasetOrder o: return await OwnerAsync(OrderKind.Dataset, o.Dataset, ct);
            case WorkerpoolOrder o: return await OwnerAsync(OrderKind.Workerpool, o.Workerpool, ct);
            case RequestOrder o:
                if (Addresses.IsZero(o.Requester)) throw new Json.OrderFormatException("order.requester", "must be the requester's address, not zero");
                await OwnerAsync(OrderKind.App, o.App, ct);
                if (!o.Dataset.IsZero) await OwnerAsync(OrderKind.Dataset, o.Dataset, ct);
                if (!o.Workerpool.IsZero) await OwnerAsync(OrderKind.Workerpool, o.Workerpool, ct);
                return o.Requester;
            default:
                throw new ArgumentOutOfRangeException(nameof(order));
        }
    }

    private async Task<string> OwnerAsync(OrderKind kind, BigInteger id, CancellationToken ct) =>
        await chain.OwnerOfAsync(kind, id, ct)
        ?? throw new OrderRejectedException(NotRegistered, $"{OrderKinds.Name(kind)} {id} is not registered");

    private async Task CheckCategoryAsync(IOrder order, CancellationToken ct)
    {
        var category = order switch
        {
            WorkerpoolOrder o => o.Category,
            RequestOrder o => o.Category,
            _ => (BigInteger?)null,
        };
        if (category is { } c && (c > long.MaxValue || (await chain.CategoryTimeAsync(c, ct)).IsZero))
            throw new OrderRejectedException(UnknownCategory, $"category {c} does not exist on this market");
    }

    private async Task CheckSignatureAsync(OrderKind kind, Hash32 hash, string signer, byte[] signature, CancellationToken ct)
    {
        var who = kind == OrderKind.Request ? "the requester" : $"the {OrderKinds.Name(kind)}'s owner";
        if (signature.Length == 0)
        {
            if (await chain.IsPresignedAsync(hash, signer, ct)) return;
            throw new OrderRejectedException(BadSignature, $"the signature is empty, which means pre-signed on chain, but order {hash} is not pre-signed");
        }
        var recovered = TryRecover(hash, signature);
        if (recovered is not null && Addresses.AreEqual(recovered, signer)) return;
        // A contract wallet signs through ERC-1271; the contract asks it again at match time.
        if (await chain.IsValidContractSignatureAsync(signer, hash, signature, ct)) return;
        var d = chain.Domain;
        throw new OrderRejectedException(BadSignature,
            $"the signature recovers to {recovered ?? "no address"}, but {who} is {Addresses.Normalize(signer)}: it was signed by another account, "
            + $"or for another chain or market, or the order changed after signing (this market's EIP-712 domain: name \"{Eip712Domain.Name}\", "
            + $"version \"{Eip712Domain.Version}\", chainId {d.ChainId}, verifyingContract {Addresses.Normalize(d.VerifyingContract)})");
    }

    /// <summary>Null when r and s are not a point's signature at all (random bytes): the contract refuses those too.</summary>
    private static string? TryRecover(Hash32 hash, byte[] signature)
    {
        try
        {
            return Signatures.Recover(hash, signature);
        }
        catch (Exception e) when (e is ArgumentException or ArithmeticException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string Describe(BigInteger unixSeconds) =>
        unixSeconds <= 253402300799 ? $"{DateTimeOffset.FromUnixTimeSeconds((long)unixSeconds):u}" : unixSeconds.ToString();
}
