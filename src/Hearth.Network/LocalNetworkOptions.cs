namespace Hearth.Network;

public sealed record LocalNetworkOptions
{
    /// <summary>Worker processes' worth of workers (each its own account, stake and slots).</summary>
    public int Workers { get; init; } = 3;

    public int SlotsPerWorker { get; init; } = 2;

    /// <summary>"heat-aware" (the boilers' use case) or "least-loaded".</summary>
    public string Placement { get; init; } = "heat-aware";

    /// <summary>
    /// Hour (UTC) at which the simulated boilers' day starts. Their buildings want heat as at that hour whatever the real
    /// hour, so heat-aware placement behaves the same whenever the network runs (at 18:00 the flats draw for their
    /// evening showers; from midnight to 5:00 they want less heat than idle servers give, and tasks would wait for morning).
    /// Null: the real hour.
    /// </summary>
    public double? BoilerDayStartHour { get; init; } = 18;

    /// <summary>Folder for storage, databases and worker caches; a fresh temporary folder when null.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Register the sample apps and dataset and publish their orders and the pool's.</summary>
    public bool PublishSamples { get; init; } = true;

    /// <summary>The repository's apps folder (built modules in apps/NAME/build/NAME.wasm); found from the
    /// current folder upwards when null.</summary>
    public string? AppsFolder { get; init; }

    /// <summary>Prices of the published sample orders, in HRTH per task.</summary>
    public decimal AppPrice { get; init; } = 0.01m;
    public decimal DatasetPrice { get; init; } = 0.005m;
    public decimal PoolPrice { get; init; } = 0.1m;

    /// <summary>Highest trust the pool's order accepts.</summary>
    public int PoolTrust { get; init; } = 10;

    public int HeartbeatSeconds { get; init; } = 2;

    /// <summary>Least severe log level of the embedded services (they log to the console).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;
}
