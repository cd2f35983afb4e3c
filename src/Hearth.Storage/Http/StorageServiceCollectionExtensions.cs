using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Storage.Http;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the storage role: options (validated at start-up), the file store and its start-up sweep.</summary>
    public static IServiceCollection AddHearthStorage(this IServiceCollection services, Action<StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<StorageOptions>().Configure(configure).ValidateOnStart();
        return services.AddHearthStorageCore();
    }

    /// <summary>Registers the storage role with options bound from <paramref name="section"/> (usually <c>Storage</c>).</summary>
    public static IServiceCollection AddHearthStorage(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<StorageOptions>().Bind(section).ValidateOnStart();
        return services.AddHearthStorageCore();
    }

    private static IServiceCollection AddHearthStorageCore(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FileBlobStore>();
        services.TryAddSingleton<IBlobStore>(sp => sp.GetRequiredService<FileBlobStore>());
        services.AddHostedService<StorageStartup>();
        services.AddProblemDetails();
        return services;
    }
}
