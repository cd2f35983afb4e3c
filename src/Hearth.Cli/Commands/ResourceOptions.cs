using System.CommandLine;
using Hearth.Protocol.Orders;

namespace Hearth.Cli.Commands;

/// <summary>
/// --memory, --output-size and --scratch, as sizes ("1GiB", "512MiB"): what a request or an app needs of each task, or
/// what a workerpool order offers (<see cref="ResourceTag"/>). Read with the values of a job file where given.
/// </summary>
public sealed class ResourceOptions
{
    public ResourceOptions(string meaning)
    {
        Memory = new Option<string?>("--memory") { Description = $"Memory {meaning} (e.g. 1GiB; every pool gives 256 MiB)." };
        OutputSize = new Option<string?>("--output-size") { Description = $"Output (files in /out) {meaning} (e.g. 2GiB; every pool gives 256 MiB)." };
        Scratch = new Option<string?>("--scratch") { Description = $"Scratch space (/tmp) {meaning} (e.g. 4GiB; every pool gives 256 MiB)." };
    }

    public Option<string?> Memory { get; }

    public Option<string?> OutputSize { get; }

    public Option<string?> Scratch { get; }

    public IEnumerable<Option> All => [Memory, OutputSize, Scratch];

    /// <summary>The sizes given, each option overriding the job file's field.</summary>
    public ResourceNeeds Read(ParseResult parse, JobFile? job = null) => new(
        Size(parse, Memory) ?? job?.Memory, Size(parse, OutputSize) ?? job?.OutputSize, Size(parse, Scratch) ?? job?.Scratch);

    /// <summary>The tag bits that ask for <paramref name="needs"/>; a size beyond the largest tier is a one-line error.</summary>
    public static byte[] Asking(ResourceNeeds needs) => Checked(() => ResourceTag.Asking(needs));

    /// <summary>The tag bits that offer <paramref name="offer"/>; a size below what every pool gives is a one-line error.</summary>
    public static byte[] Offering(ResourceNeeds offer) => Checked(() => ResourceTag.Offering(offer));

    private static byte[] Checked(Func<byte[]> tag)
    {
        try
        {
            return tag();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static long? Size(ParseResult parse, Option<string?> option)
    {
        if (parse.GetValue(option) is not { } text) return null;
        try
        {
            return ResourceTag.ParseBytes(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"{option.Name}: {e.Message}");
        }
    }
}
