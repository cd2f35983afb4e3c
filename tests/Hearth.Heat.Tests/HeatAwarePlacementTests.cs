namespace Hearth.Heat.Tests;

public class HeatAwarePlacementTests
{
    private readonly IPlacementPolicy _policy = new HeatAwarePlacement();

    [Fact]
    public void The_building_with_the_highest_unmet_demand_gets_the_task()
    {
        var candidates = new[]
        {
            Build.Worker("warm", Build.Telemetry(demandWatts: 4000, powerWatts: 1500)),
            Build.Worker("cold", Build.Telemetry(demandWatts: 9000, powerWatts: 1500)),
            Build.Worker("busy-but-cold", Build.Telemetry(demandWatts: 10000, powerWatts: 7000)),
        };

        var decision = _policy.Place(Build.Task(), candidates, Build.Midnight);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.Equal("cold", decision.Worker?.Id);
    }

    [Fact]
    public void Unmet_demand_below_the_tasks_power_does_not_count_as_wanting_it()
    {
        var candidates = new[] { Build.Worker("lukewarm", Build.Telemetry(demandWatts: 2000, powerWatts: 1500)) };

        var decision = _policy.Place(Build.Task(powerWatts: 1000), candidates, Build.Midnight);

        Assert.Equal(PlacementOutcome.Wait, decision.Outcome);
    }

    [Fact]
    public void A_tank_at_its_maximum_is_never_chosen_whatever_it_reports()
    {
        var full = Build.Telemetry(demandWatts: 50_000, maxAcceptedWatts: 50_000, tankCelsius: 60);

        var wanted = _policy.Place(Build.Task(), [Build.Worker("full", full)], Build.Midnight);
        var nearDeadline = _policy.Place(Build.Task(slackSeconds: 30), [Build.Worker("full", full)], Build.Midnight);

        Assert.Equal(PlacementOutcome.Wait, wanted.Outcome);
        Assert.Equal(PlacementOutcome.Spill, nearDeadline.Outcome);
    }

    [Fact]
    public void A_tank_that_cannot_accept_the_extra_power_is_never_chosen()
    {
        var almostFull = Build.Telemetry(demandWatts: 9000, powerWatts: 1500, maxAcceptedWatts: 2400);

        var decision = _policy.Place(Build.Task(slackSeconds: 30, powerWatts: 1000), [Build.Worker("almost-full", almostFull)], Build.Midnight);

        Assert.Equal(PlacementOutcome.Spill, decision.Outcome);
    }

    [Fact]
    public void With_no_building_wanting_heat_the_task_waits_while_the_deadline_allows()
    {
        var candidates = new[] { Build.Worker("warm", Build.Telemetry(demandWatts: 0)) };

        var decision = _policy.Place(Build.Task(slackSeconds: 3600), candidates, Build.Midnight);

        Assert.Equal(PlacementOutcome.Wait, decision.Outcome);
        Assert.Null(_policy.Choose(Build.Task(slackSeconds: 3600), candidates, Build.Midnight));
    }

    [Fact]
    public void Near_the_deadline_the_task_goes_heat_blind_to_the_least_loaded_worker_that_can_take_it()
    {
        var candidates = new[]
        {
            Build.Worker("loaded", Build.Telemetry(), freeSlots: 1, load: 0.8),
            Build.Worker("idle", Build.Telemetry(), freeSlots: 6, load: 0),
            Build.Worker("idle-but-full", Build.Telemetry(tankCelsius: 60), freeSlots: 6, load: 0),
        };

        var decision = _policy.Place(Build.Task(slackSeconds: 60), candidates, Build.Midnight);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.Equal("idle", decision.Worker?.Id);
    }

    [Fact]
    public void The_fallback_keeps_the_deadline_the_task_finishes_in_time()
    {
        var task = Build.Task(slackSeconds: 100);
        var decision = _policy.Place(task, [Build.Worker("w", Build.Telemetry())], Build.Midnight);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.True(Build.Midnight.AddSeconds(task.EstimatedDurationSeconds) <= task.Deadline);
    }

    [Fact]
    public void A_task_that_can_no_longer_finish_in_time_spills()
    {
        var decision = _policy.Place(Build.Task(slackSeconds: -1), [Build.Worker("cold", Build.Telemetry(demandWatts: 9000))], Build.Midnight);

        Assert.Equal(PlacementOutcome.Spill, decision.Outcome);
    }

    [Fact]
    public void A_worker_without_a_tank_takes_tasks_only_as_a_fallback()
    {
        var candidates = new[] { Build.Worker("plain-server", null) };

        var early = _policy.Place(Build.Task(slackSeconds: 3600), candidates, Build.Midnight);
        var late = _policy.Place(Build.Task(slackSeconds: 60), candidates, Build.Midnight);

        Assert.Equal(PlacementOutcome.Wait, early.Outcome);
        Assert.Equal("plain-server", late.Worker?.Id);
    }

    [Fact]
    public void Stale_or_malformed_telemetry_is_ignored()
    {
        var stale = Build.Telemetry(demandWatts: 9000, at: Build.Midnight.AddHours(-1));
        var malformed = Build.Telemetry(demandWatts: double.NaN) with { MaxAcceptedPowerWatts = double.PositiveInfinity };

        var decision = _policy.Place(Build.Task(slackSeconds: 30), [Build.Worker("stale", stale), Build.Worker("malformed", malformed)], Build.Midnight);

        Assert.Equal(PlacementOutcome.Spill, decision.Outcome);
    }

    [Fact]
    public void Workers_without_a_free_slot_are_skipped()
    {
        var decision = _policy.Place(Build.Task(), [Build.Worker("cold", Build.Telemetry(demandWatts: 9000), freeSlots: 0)], Build.Midnight);

        Assert.Equal(PlacementOutcome.Wait, decision.Outcome);
    }

    [Theory]
    [InlineData(double.NaN, 1000)]
    [InlineData(0, 1000)]
    [InlineData(600, -1)]
    [InlineData(600, double.PositiveInfinity)]
    public void Invalid_tasks_are_rejected(double durationSeconds, double powerWatts)
    {
        var task = new PlacementTask("t", durationSeconds, Build.Midnight.AddHours(1), powerWatts);

        Assert.Throws<ArgumentException>(() => _policy.Place(task, [], Build.Midnight));
        Assert.Throws<ArgumentException>(() => new LeastLoadedPlacement().Place(task, [], Build.Midnight));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new HeatAwarePlacement(new HeatAwarePlacementOptions { WaitMarginSeconds = double.NaN }));
        Assert.Throws<ArgumentException>(() => new HeatAwarePlacement(new HeatAwarePlacementOptions { MaxTelemetryAgeSeconds = 0 }));
    }
}
