namespace Hearth.Storage;

/// <summary>Base of every error this library raises on purpose, so callers can catch storage failures as one kind.</summary>
public class StorageException : Exception
{
    public StorageException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
