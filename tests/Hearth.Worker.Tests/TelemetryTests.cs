using System.Text;
using Hearth.Heat;
using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Worker.Tests;

/// <summary>Heartbeats carry the boiler's telemetry, and the simulated boiler heats with the worker's real load.</summary>
public sealed class TelemetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Heartbeat_carries_the_simulated_boilers_telemetry_following_the_workers_load()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var clock = new SimulationClock(DateTimeOffset.Parse("2026-01-15T08:00:00Z"));
        var boiler = new SimulatedBoiler("boiler-1", new BoilerModel(BoilerPresets.Stimergy(DrawProfile.None), clock.GetUtcNow()), clock, stepSeconds: 10);
        var options = network.WorkerOptions(1);
        options.TelemetrySource = TelemetrySources.Simulated;
        var worker = await network.StartWorkerAsync(options, services => services.AddSingleton<IBoilerTelemetrySource>(boiler));

        var idle = await network.Scheduler.WaitForAsync(s => s.Heartbeats.Select(h => h.Request.Telemetry).FirstOrDefault(t => t is not null), "telemetry");
        Assert.Equal(55, idle!.TankCelsius);
        Assert.Equal(60, idle.MaximumCelsius);

        var app = await network.PutAsync(Encoding.UTF8.GetBytes("""(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"""));
        var assignment = network.Assign(worker.Address, app, [], limits: new TaskLimits(120, 16L << 20, null));
        network.Scheduler.Enqueue(worker.Address, assignment);
        await network.Scheduler.WaitForAsync(s => s.Progress.Any(p => p.Stage == "Running"), "the module running");
        clock.Advance(TimeSpan.FromMinutes(1));

        var busy = await network.Scheduler.WaitForAsync(s => s.Heartbeats.Select(h => h.Request.Telemetry).LastOrDefault(t => t?.Utilisation == 1), "a fully used boiler");
        Assert.Equal(7500, busy!.PowerWatts);
        Assert.True(busy.TankCelsius > 55, $"the tank is at {busy.TankCelsius} °C");

        network.Scheduler.Cancel(worker.Address, assignment.ReplicateId);
        await network.Scheduler.WaitForAsync(s => s.Heartbeats.Any(h => h.Request.FreeSlots == 1 && h.Request.HeldReplicates.Count == 0 && h.Request.Telemetry?.Utilisation == 1), "the run ending");
        clock.Advance(TimeSpan.FromMinutes(1));
        var resting = await network.Scheduler.WaitForAsync(s => s.Heartbeats.Select(h => h.Request.Telemetry).LastOrDefault(t => t?.Utilisation == 0 && t.Timestamp > busy.Timestamp), "an idle boiler");
        Assert.Equal(1500, resting!.PowerWatts);
    }

    [Fact]
    public async Task Heartbeat_without_a_boiler_carries_no_telemetry()
    {
        await using var network = await TestNetwork.StartAsync(output);
        var worker = await network.StartWorkerAsync(network.WorkerOptions(1));

        var heartbeat = await network.Scheduler.WaitForAsync(s => s.Heartbeats.FirstOrDefault().Request, "a heartbeat");

        Assert.Null(heartbeat.Telemetry);
        Assert.Equal(1, heartbeat.Slots);
        Assert.Equal(worker.Address, network.Scheduler.Read(s => s.Heartbeats[0].Worker), ignoreCase: true);
    }

    [Theory]
    [InlineData("2026-01-15T03:00:00Z", 18, 15)]
    [InlineData("2026-01-15T20:30:00Z", 18, 21.5)]
    [InlineData("2026-01-15T18:00:00Z", 18, 0)]
    public void A_day_start_hour_shifts_the_boiler_by_under_a_day(string now, double hour, double expectedHours)
    {
        Assert.Equal(TimeSpan.FromHours(expectedHours), BoilerWorkerTelemetry.DayOffset(DateTimeOffset.Parse(now), hour));
    }

    [Fact]
    public void A_boiler_started_at_night_with_an_evening_day_wants_heat_and_reports_the_real_time()
    {
        var night = new SimulationClock(DateTimeOffset.Parse("2026-01-15T02:00:00Z"));
        var realDay = BoilerWorkerTelemetry.DefaultSimulatedBoiler("b1", night);
        var eveningDay = BoilerWorkerTelemetry.DefaultSimulatedBoiler("b2", night, dayStartHour: 18);

        night.Advance(TimeSpan.FromMinutes(5));
        var atNight = realDay.Read();
        var inTheEvening = eveningDay.Read();

        // At 2:00 the flats want less heat than the idle servers already give; at 18:00 they want more.
        Assert.True(atNight.HeatDemandWatts < atNight.PowerWatts, $"demand {atNight.HeatDemandWatts} W at night");
        Assert.True(inTheEvening.HeatDemandWatts > inTheEvening.PowerWatts, $"demand {inTheEvening.HeatDemandWatts} W in the evening");
        Assert.Equal(night.GetUtcNow(), inTheEvening.Timestamp);
        Assert.Equal(night.GetUtcNow(), atNight.Timestamp);
    }
}
