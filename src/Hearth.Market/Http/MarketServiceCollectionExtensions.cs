using Hearth.Market.Book;
using Hearth.Market.Sync;
using Hearth.Market.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Market.Http;

public static class MarketServiceCollectionExtensions
{
    /// <summary>Registers the market role: options (validated at start-up), the book, the verifier, the chain sync, OpenAPI.</summary>
    public static IServiceCollection AddHearthMarket(this IServiceCollection services, Action<MarketOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MarketOptions>().Configure(configure).ValidateOnStart();
        return services.AddHearthMarketCore();
    }

    /// <summary>Registers the market role with options bound from <paramref name="section"/> (usually <c>Market</c>).</summary>
    public static IServiceCollection AddHearthMarket(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<MarketOptions>().Bind(section).ValidateOnStart();
        return services.AddHearthMarketCore();
    }

    private static IServiceCollection AddHearthMarketCore(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MarketOptions>, MarketOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddPooledDbContextFactory<MarketDbContext>((sp, db) =>
        {
            var o = sp.GetRequiredService<IOptions<MarketOptions>>().Value;
            if (!string.IsNullOrWhiteSpace(o.PostgresConnectionString)) db.UseNpgsql(o.PostgresConnectionString);
            else db.UseSqlite($"Data Source={o.DatabasePath}");
        });
        services.TryAddSingleton<MarketChain>();
        services.TryAddSingleton<OrderVerifier>();
        services.TryAddSingleton<OrderBook>();
        services.TryAddSingleton<OrderPublisher>();
        services.TryAddSingleton<ChainSync>();
        services.TryAddSingleton<PublishRateLimit>();
        // The start-up check runs first: the sync needs the database and a chain that is the one configured.
        services.AddHostedService<MarketStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ChainSync>());
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }
}
