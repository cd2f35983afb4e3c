using System.Numerics;

namespace Hearth.Protocol.Orders;

/// <summary>Memory a task's module may grow to, its output (the files in /out, and separately stdout and stderr), and its
/// scratch space (/tmp), in bytes. Null asks for nothing beyond <see cref="ResourceTag.Base"/>.</summary>
public sealed record ResourceNeeds(long? MemoryBytes = null, long? OutputBytes = null, long? ScratchBytes = null)
{
    public static readonly ResourceNeeds None = new();
}

/// <summary>
/// Resources in an order's tag. The market matches tags already: every bit the app, dataset and request orders set must
/// be set in the pool order's tag, and the deal records the bits they asked for. Each resource has a ladder of tiers,
/// one bit each; a need sets the bit of the smallest tier that covers it, an offer sets the bit of every tier it covers,
/// so "the pool offers what was asked" is that subset rule, checked on chain at no cost. Every pool gives every task at
/// least <see cref="Base"/>, which takes no bit. A deal runs with the largest tier its tag asks for of each resource (the
/// base when none), the same on every worker, so replicas compute under the same limits.
/// </summary>
/// <remarks>Bits, counted from the least significant of the tag as a uint256: 0-7 features (none defined yet);
/// 8-11 memory 512 MiB, 1, 2, 4 GiB; 16-23 output 512 MiB to 64 GiB; 24-31 scratch 512 MiB to 64 GiB.</remarks>
public static class ResourceTag
{
    private const long MiB = 1024 * 1024;

    /// <summary>What every pool gives a task that asks for nothing: 256 MiB of memory, of output and of scratch.</summary>
    public static readonly ResourceNeeds Base = new(256 * MiB, 256 * MiB, 256 * MiB);

    private sealed record Ladder(string Name, int FirstBit, int Tiers, long BaseBytes)
    {
        public long Tier(int k) => BaseBytes << (k + 1);

        public long Largest => Tier(Tiers - 1);
    }

    private static readonly Ladder Memory = new("memory", 8, 4, 256 * MiB);
    private static readonly Ladder Output = new("output", 16, 8, 256 * MiB);
    private static readonly Ladder Scratch = new("scratch", 24, 8, 256 * MiB);

    /// <summary>The tag bits a request (or an app, a dataset) sets to ask for <paramref name="needs"/>.</summary>
    /// <exception cref="ArgumentException">A need is not positive or is above the largest tier.</exception>
    public static byte[] Asking(ResourceNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(needs);
        var bits = Ask(Memory, needs.MemoryBytes) | Ask(Output, needs.OutputBytes) | Ask(Scratch, needs.ScratchBytes);
        return ToTag(bits);
    }

    /// <summary>The tag bits a pool sets to offer <paramref name="offer"/> (every tier it covers).</summary>
    /// <exception cref="ArgumentException">An offer is below <see cref="Base"/>, which every pool must give.</exception>
    public static byte[] Offering(ResourceNeeds offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var bits = Offer(Memory, offer.MemoryBytes) | Offer(Output, offer.OutputBytes) | Offer(Scratch, offer.ScratchBytes);
        return ToTag(bits);
    }

    /// <summary>The limits a deal whose tag is <paramref name="tag"/> runs with: the largest tier asked of each resource.</summary>
    public static ResourceNeeds LimitsOf(ReadOnlySpan<byte> tag)
    {
        var bits = FromTag(tag);
        return new ResourceNeeds(
            Largest(Memory, bits) ?? Memory.BaseBytes, Largest(Output, bits) ?? Output.BaseBytes, Largest(Scratch, bits) ?? Scratch.BaseBytes);
    }

    /// <summary>Adds the bits of <paramref name="extra"/> to <paramref name="tag"/> (features and needs combine by OR).</summary>
    public static byte[] Combine(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> extra) => ToTag(FromTag(tag) | FromTag(extra));

    /// <summary>
    /// Why a pool order's tag does not give what the others ask, in words ("memory: 1 GiB asked, the pool offers up to
    /// 512 MiB"), or null when it does. Bits outside the resource ladders are named as features.
    /// </summary>
    public static string? Shortfall(ReadOnlySpan<byte> asked, ReadOnlySpan<byte> offered)
    {
        var missing = FromTag(asked) & ~FromTag(offered);
        if (missing.IsZero) return null;
        var problems = new List<string>();
        var offeredBits = FromTag(offered);
        foreach (var ladder in new[] { Memory, Output, Scratch })
        {
            var need = Largest(ladder, missing & Mask(ladder));
            if (need is null) continue;
            var upTo = Largest(ladder, offeredBits) ?? ladder.BaseBytes;
            problems.Add($"{ladder.Name}: {Format(need.Value)} asked, the pool offers up to {Format(upTo)}");
        }
        var features = missing & ~(Mask(Memory) | Mask(Output) | Mask(Scratch));
        if (!features.IsZero) problems.Add($"features 0x{features:x} asked, not offered");
        return string.Join("; ", problems);
    }

    /// <summary>"1 GiB", "512 MiB", "1500 B": the largest binary unit that divides the size.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = 0;
        while (unit < units.Length - 1 && bytes != 0 && bytes % 1024 == 0)
        {
            bytes /= 1024;
            unit++;
        }
        return $"{bytes} {units[unit]}";
    }

    /// <summary>
    /// A size as people write it: "1GiB", "512 MiB", "1G" and "64k" are binary; "1GB" is decimal; a bare number is bytes.
    /// </summary>
    /// <exception cref="FormatException">Not a size, not positive, or above 1 PiB.</exception>
    public static long ParseBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var split = 0;
        while (split < t.Length && char.IsAsciiDigit(t[split])) split++;
        var unit = t[split..].Trim().ToLowerInvariant();
        long multiplier = unit switch
        {
            "" or "b" => 1,
            "k" or "kib" => 1L << 10, "m" or "mib" => 1L << 20, "g" or "gib" => 1L << 30, "t" or "tib" => 1L << 40,
            "kb" => 1_000, "mb" => 1_000_000, "gb" => 1_000_000_000, "tb" => 1_000_000_000_000,
            _ => 0,
        };
        if (split == 0 || split > 16 || multiplier == 0 || !long.TryParse(t[..split], out var number))
            throw new FormatException($"'{Clip(text)}' is not a size: write a whole number and a unit such as 512MiB, 2GiB or 1GB");
        if (number <= 0 || number > (1L << 50) / multiplier)
            throw new FormatException($"'{Clip(text)}' must be more than 0 and at most 1 PiB");
        return number * multiplier;
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static BigInteger Ask(Ladder ladder, long? need)
    {
        if (need is not { } bytes || bytes <= ladder.BaseBytes)
        {
            return need is <= 0 ? throw new ArgumentException($"{ladder.Name} must be a positive number of bytes, was {need}") : BigInteger.Zero;
        }
        for (var k = 0; k < ladder.Tiers; k++)
        {
            if (ladder.Tier(k) >= bytes) return BigInteger.One << (ladder.FirstBit + k);
        }
        throw new ArgumentException($"{ladder.Name} of {Format(bytes)} is above the largest a task can ask for, {Format(ladder.Largest)}");
    }

    private static BigInteger Offer(Ladder ladder, long? offer)
    {
        if (offer is not { } bytes) return BigInteger.Zero;
        if (bytes < ladder.BaseBytes)
            throw new ArgumentException($"{ladder.Name} of {Format(bytes)} is below the {Format(ladder.BaseBytes)} every pool gives a task");
        var bits = BigInteger.Zero;
        for (var k = 0; k < ladder.Tiers && ladder.Tier(k) <= bytes; k++) bits |= BigInteger.One << (ladder.FirstBit + k);
        return bits;
    }

    private static long? Largest(Ladder ladder, BigInteger bits)
    {
        for (var k = ladder.Tiers - 1; k >= 0; k--)
        {
            if (!(bits & (BigInteger.One << (ladder.FirstBit + k))).IsZero) return ladder.Tier(k);
        }
        return null;
    }

    private static BigInteger Mask(Ladder ladder) => ((BigInteger.One << ladder.Tiers) - 1) << ladder.FirstBit;

    private static BigInteger FromTag(ReadOnlySpan<byte> tag) =>
        tag.Length == 32 ? new BigInteger(tag, isUnsigned: true, isBigEndian: true) : throw new ArgumentException($"a tag is 32 bytes, not {tag.Length}");

    private static byte[] ToTag(BigInteger bits)
    {
        var tag = new byte[32];
        bits.TryWriteBytes(tag.AsSpan(32 - bits.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return tag;
    }
}
