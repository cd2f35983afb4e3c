using Hearth.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Hearth.Storage.Http;

/// <summary>A running storage service; disposing it stops the server.</summary>
public sealed class StorageServerHandle : LoopbackServerHandle
{
    internal StorageServerHandle(WebApplication app, Uri baseUrl, FileBlobStore store) : base(app, baseUrl) => Store = store;

    /// <summary>The store behind the service, for inspection by its host.</summary>
    public FileBlobStore Store { get; }
}
