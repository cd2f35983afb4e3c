namespace Hearth.Sandbox;

/// <summary>
/// A large valid WASI command module, the same bytes for the same sizes: many functions of straight-line integer
/// arithmetic on their argument (real work for Cranelift: nothing folds away) and a data segment of pseudo-random
/// bytes (which costs the compiler next to nothing but is copied into the compiled code). Its <c>_start</c> calls
/// the first function and returns. For measuring compilation and the module cache on a program of a given size.
/// </summary>
public static class LargeModule
{
    /// <summary>A module of about <paramref name="codeBytes"/> of function bodies and <paramref name="dataBytes"/> of data.</summary>
    public static byte[] Generate(int codeBytes, int dataBytes, int functionBodyBytes = 2048)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(codeBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(dataBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(functionBodyBytes, 64);
        var functions = Math.Max(1, codeBytes / functionBodyBytes);
        var output = new MemoryStream(codeBytes + dataBytes + 1024);
        output.Write("\0asm"u8);
        output.Write([1, 0, 0, 0]);

        // Types: 0 = () -> (), 1 = (i32) -> i32.
        Section(output, 1, [2, 0x60, 0, 0, 0x60, 1, 0x7F, 1, 0x7F]);

        // Functions: _start (type 0), then the filler functions (type 1).
        var functionSection = new MemoryStream();
        Unsigned(functionSection, (uint)functions + 1);
        functionSection.WriteByte(0);
        for (var i = 0; i < functions; i++) functionSection.WriteByte(1);
        Section(output, 3, functionSection.ToArray());

        // One memory large enough for the data segment.
        var pages = (uint)Math.Max(1, (dataBytes + 65535) / 65536);
        var memory = new MemoryStream();
        memory.Write([1, 0]);
        Unsigned(memory, pages);
        Section(output, 5, memory.ToArray());

        // Exports: _start and memory.
        var exports = new MemoryStream();
        exports.WriteByte(2);
        Name(exports, "_start");
        exports.Write([0, 0]);
        Name(exports, "memory");
        exports.Write([2, 0]);
        Section(output, 7, exports.ToArray());

        // Code.
        var code = new MemoryStream(codeBytes + 1024);
        Unsigned(code, (uint)functions + 1);
        // _start: call $f1 (i32.const 1) drop
        Body(code, [0, 0x41, 1, 0x10, 1, 0x1A, 0x0B]);
        var random = new XorShift(0x9E3779B97F4A7C15UL);
        var body = new MemoryStream(functionBodyBytes + 64);
        for (var f = 0; f < functions; f++)
        {
            body.SetLength(0);
            body.WriteByte(0); // no locals
            body.Write([0x20, 0]); // local.get 0
            while (body.Length < functionBodyBytes - 16)
            {
                // (((acc ^ c) rotl r) + arg) * odd
                body.WriteByte(0x41);
                Signed(body, (int)random.Next());
                body.WriteByte(0x73);
                body.Write([0x41, (byte)(1 + random.Next() % 31), 0x77]);
                body.Write([0x20, 0, 0x6A]);
                body.WriteByte(0x41);
                Signed(body, (int)(random.Next() | 1));
                body.WriteByte(0x6C);
            }
            body.WriteByte(0x0B);
            Body(code, body.ToArray());
        }
        Section(output, 10, code.ToArray());

        // Data: one active segment at address 0.
        if (dataBytes > 0)
        {
            var data = new byte[dataBytes];
            for (var i = 0; i < data.Length; i += 8)
            {
                var value = random.Next();
                for (var j = 0; j < 8 && i + j < data.Length; j++) data[i + j] = (byte)(value >> (8 * j));
            }
            var segment = new MemoryStream(dataBytes + 16);
            segment.Write([1, 0, 0x41, 0, 0x0B]);
            Unsigned(segment, (uint)dataBytes);
            segment.Write(data);
            Section(output, 11, segment.ToArray());
        }
        return output.ToArray();
    }

    private static void Section(Stream output, byte id, byte[] content)
    {
        output.WriteByte(id);
        Unsigned(output, (uint)content.Length);
        output.Write(content);
    }

    private static void Body(Stream output, byte[] body)
    {
        Unsigned(output, (uint)body.Length);
        output.Write(body);
    }

    private static void Name(Stream output, string name)
    {
        Unsigned(output, (uint)name.Length);
        output.Write(System.Text.Encoding.ASCII.GetBytes(name));
    }

    private static void Unsigned(Stream output, uint value)
    {
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            output.WriteByte(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    private static void Signed(Stream output, int value)
    {
        while (true)
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0))
            {
                output.WriteByte(b);
                return;
            }
            output.WriteByte((byte)(b | 0x80));
        }
    }

    private struct XorShift(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            return _state;
        }
    }
}
