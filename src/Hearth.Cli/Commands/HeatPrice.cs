using Hearth.Cli.Config;
using Hearth.Heat;
using Hearth.Network.Requesting;

namespace Hearth.Cli.Commands;

/// <summary>A pool's price that follows its buildings' heat demand, from its workers' latest boiler telemetry.</summary>
public static class HeatPrice
{
    public static async Task<(decimal Price, string Explanation)> ComputeAsync(NetworkProfile network, decimal basePrice, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(network.SchedulerUrl)) throw new CliException("--heat-priced reads the pool's telemetry from its scheduler: set SchedulerUrl or HEARTH_SCHEDULERURL");
        var workers = await SchedulerReader.For(network.SchedulerUrl).WorkersAsync(ct);
        var boilers = workers.Where(w => w.Alive && w.Telemetry is { HeatDemandWatts: not null }).Select(w => w.Telemetry!).ToList();
        if (boilers.Count == 0) throw new CliException("no live worker of the pool reports boiler telemetry: the price cannot follow heat demand");
        var readings = boilers.Select(t => new BoilerTelemetry(t.Timestamp, t.TankCelsius ?? double.NaN, t.HeatDemandWatts ?? 0,
            t.Utilisation ?? 0, t.PowerWatts ?? 0, t.MaxAcceptedPowerWatts ?? 0, t.MaximumCelsius ?? double.NaN)).ToList();
        // The pool can deliver at most what its boilers accept now plus what they already take.
        var capacity = readings.Sum(r => Math.Max(r.MaxAcceptedPowerWatts, 0) + Math.Max(r.PowerWatts, 0));
        var demand = capacity > 0 ? HeatPricing.DemandFraction(readings, capacity) : 0;
        var pricing = new HeatPricing();
        var price = decimal.Round(pricing.PricePerTask(basePrice, demand), 9);
        return (price, $"heat demand {demand:P0} of what the pool's {readings.Count} boilers can take: {price} HRTH per task (base {basePrice}, floor {pricing.FloorFraction:P0} of it)");
    }
}
