using System.Numerics;
using System.Text;

namespace Hearth.Protocol.Orders;

/// <summary>Builds an EIP-712 struct hash field by field: keccak256(typeHash ‖ enc(field)...).</summary>
internal ref struct StructEncoder
{
    private readonly Span<byte> _buffer;
    private int _offset;

    public StructEncoder(Span<byte> buffer, Hash32 typeHash)
    {
        _buffer = buffer;
        AbiWords.Write(_buffer, typeHash);
        _offset = 32;
    }

    public static Hash32 TypeHash(string type) => Hash32.Keccak(Encoding.UTF8.GetBytes(type));

    public StructEncoder Uint(BigInteger value)
    {
        AbiWords.Write(_buffer[_offset..], value);
        _offset += 32;
        return this;
    }

    public StructEncoder Address(string value)
    {
        AbiWords.Write(_buffer[_offset..], value);
        _offset += 32;
        return this;
    }

    public StructEncoder Bytes32(byte[] value)
    {
        AbiWords.Write(_buffer[_offset..], new Hash32(value));
        _offset += 32;
        return this;
    }

    public StructEncoder String(string value)
    {
        AbiWords.WriteStringHash(_buffer[_offset..], value);
        _offset += 32;
        return this;
    }

    public readonly Hash32 Hash() => Hash32.Keccak(_buffer[.._offset]);
}
