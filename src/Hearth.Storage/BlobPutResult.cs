namespace Hearth.Storage;

/// <summary>The outcome of a put: the blob's address, its size in bytes, and whether this put created it.</summary>
public sealed record BlobPutResult(BlobAddress Address, long Size, bool Created);
