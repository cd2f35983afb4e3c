namespace Hearth.Storage;

/// <summary>The store has no blob at this address.</summary>
public sealed class BlobNotFoundException : StorageException
{
    public BlobNotFoundException(BlobAddress address, string message) : base(message)
    {
        Address = address;
    }

    public BlobAddress Address { get; }
}
