namespace Hearth.Storage;

/// <summary>Bytes hashed to a different address than the one they were meant to have.</summary>
public sealed class BlobIntegrityException : StorageException
{
    public BlobIntegrityException(BlobAddress expected, BlobAddress? actual, string message) : base(message)
    {
        Expected = expected;
        Actual = actual;
    }

    public BlobAddress Expected { get; }

    /// <summary>The hash of the bytes actually seen, when known.</summary>
    public BlobAddress? Actual { get; }
}
