namespace Hearth.Sandbox.Execution.Protocol;

/// <summary>The bodies of the host protocol's messages, written and read with <see cref="BinaryWriter"/> (strings as length-prefixed UTF-8).</summary>
internal static class HostMessages
{
    /// <summary>Changes whenever a body changes; a host of another version is refused.</summary>
    public const int ProtocolVersion = 5;

    public static byte[] Ready() => HostFrame.Encode(HostMessageType.Ready, writer => writer.Write(ProtocolVersion));

    public static int ReadReady(HostFrame frame)
    {
        using var reader = frame.Reader();
        return reader.ReadInt32();
    }

    public static byte[] Run(ModuleInvocation invocation) => HostFrame.Encode(HostMessageType.Run, writer =>
    {
        WriteOptional(writer, invocation.Module, module =>
        {
            writer.Write(module.Length);
            writer.Write(module);
        });
        writer.Write(invocation.ModuleSha256);
        writer.Write(invocation.ProgramName);
        writer.Write(invocation.Arguments.Count);
        foreach (var argument in invocation.Arguments)
        {
            writer.Write(argument);
        }
        writer.Write(invocation.Environment.Count);
        foreach (var (name, value) in invocation.Environment)
        {
            writer.Write(name);
            writer.Write(value);
        }
        writer.Write(invocation.InputDirectory);
        writer.Write(invocation.OutputDirectory);
        writer.Write(invocation.ScratchDirectory);
        writer.Write(invocation.ReadOnlyMounts.Count);
        foreach (var (guest, host) in invocation.ReadOnlyMounts)
        {
            writer.Write(guest);
            writer.Write(host);
        }
        writer.Write(invocation.MemoryBytes);
        WriteOptional(writer, invocation.Fuel, writer.Write);
        writer.Write(invocation.ConsoleCaptureBytes);
    });

    public static ModuleInvocation ReadRun(HostFrame frame)
    {
        using var reader = frame.Reader();
        var module = reader.ReadBoolean() ? reader.ReadBytes(reader.ReadInt32()) : null;
        var sha256 = reader.ReadString();
        var programName = reader.ReadString();
        var arguments = new string[reader.ReadInt32()];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = reader.ReadString();
        }
        var environment = new KeyValuePair<string, string>[reader.ReadInt32()];
        for (var i = 0; i < environment.Length; i++)
        {
            environment[i] = new(reader.ReadString(), reader.ReadString());
        }
        var (input, output, scratch) = (reader.ReadString(), reader.ReadString(), reader.ReadString());
        var mounts = new KeyValuePair<string, string>[reader.ReadInt32()];
        for (var i = 0; i < mounts.Length; i++)
        {
            mounts[i] = new(reader.ReadString(), reader.ReadString());
        }
        return new ModuleInvocation(module, sha256, programName, arguments, environment,
            InputDirectory: input,
            OutputDirectory: output,
            ScratchDirectory: scratch,
            ReadOnlyMounts: mounts,
            MemoryBytes: reader.ReadInt64(),
            Fuel: ReadOptional(reader, reader.ReadUInt64),
            ConsoleCaptureBytes: reader.ReadInt32());
    }

    public static byte[] Started() => HostFrame.Encode(HostMessageType.Started);

    public static byte[] ModuleNeeded() => HostFrame.Encode(HostMessageType.ModuleNeeded);

    /// <summary>A console write: the bytes the runner keeps (at most what is left of its capture) and the length the module wrote.</summary>
    public static byte[] Console(ConsoleStream stream, ReadOnlySpan<byte> kept, int written)
    {
        var bytes = kept.ToArray();
        return HostFrame.Encode(HostMessageType.Console, writer =>
        {
            writer.Write((byte)stream);
            writer.Write(written);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        });
    }

    public static (ConsoleStream Stream, byte[] Kept, int Written) ReadConsole(HostFrame frame)
    {
        using var reader = frame.Reader();
        var stream = (ConsoleStream)reader.ReadByte();
        var written = reader.ReadInt32();
        var kept = reader.ReadBytes(reader.ReadInt32());
        if (!Enum.IsDefined(stream) || kept.Length > written)
        {
            throw new InvalidDataException("a console message names no stream or keeps more than was written");
        }
        return (stream, kept, written);
    }

    public static byte[] Finished(ModuleOutcome outcome) => HostFrame.Encode(HostMessageType.Finished, writer =>
    {
        writer.Write((int)outcome.Failure);
        WriteOptional(writer, outcome.Reason, writer.Write);
        WriteOptional(writer, outcome.ExitCode, writer.Write);
        WriteOptional(writer, outcome.FuelConsumed, writer.Write);
        writer.Write(outcome.WallTime.Ticks);
        WriteOptional(writer, outcome.Source is { } source ? (int)source : (int?)null, writer.Write);
        writer.Write(outcome.LoadTime.Ticks);
    });

    public static ModuleOutcome ReadFinished(HostFrame frame)
    {
        using var reader = frame.Reader();
        return new ModuleOutcome(
            Failure: (SandboxFailureKind)reader.ReadInt32(),
            Reason: reader.ReadBoolean() ? reader.ReadString() : null,
            ExitCode: ReadOptional(reader, reader.ReadInt32),
            FuelConsumed: ReadOptional(reader, reader.ReadUInt64),
            WallTime: TimeSpan.FromTicks(reader.ReadInt64()),
            Source: ReadOptional(reader, () => (ModuleSource)reader.ReadInt32()))
        {
            LoadTime = TimeSpan.FromTicks(reader.ReadInt64()),
        };
    }

    private static void WriteOptional<T>(BinaryWriter writer, T? value, Action<T> write) where T : struct
    {
        writer.Write(value.HasValue);
        if (value is { } present)
        {
            write(present);
        }
    }

    private static void WriteOptional<T>(BinaryWriter writer, T? value, Action<T> write) where T : class
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            write(value);
        }
    }

    private static T? ReadOptional<T>(BinaryReader reader, Func<T> read) where T : struct =>
        reader.ReadBoolean() ? read() : null;
}
