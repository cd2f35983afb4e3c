using Microsoft.Extensions.Hosting;

namespace Hearth.Storage.Http;

/// <summary>Opens the store when the host starts, so a bad root folder fails start-up and abandoned uploads are swept.</summary>
internal sealed class StorageStartup(FileBlobStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.RemoveStaleUploads();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
