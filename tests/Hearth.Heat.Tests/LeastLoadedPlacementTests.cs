namespace Hearth.Heat.Tests;

public class LeastLoadedPlacementTests
{
    private readonly IPlacementPolicy _policy = new LeastLoadedPlacement();

    [Fact]
    public void The_worker_with_the_most_free_slots_wins()
    {
        var chosen = _policy.Choose(Build.Task(), [Build.Worker("a", null, freeSlots: 2), Build.Worker("b", null, freeSlots: 5)], Build.Midnight);

        Assert.Equal("b", chosen?.Id);
    }

    [Fact]
    public void Equal_free_slots_go_to_the_lowest_load_then_the_smallest_id()
    {
        var byLoad = _policy.Choose(Build.Task(), [Build.Worker("a", null, load: 0.5), Build.Worker("b", null, load: 0.2)], Build.Midnight);
        var byId = _policy.Choose(Build.Task(), [Build.Worker("b", null), Build.Worker("a", null)], Build.Midnight);

        Assert.Equal("b", byLoad?.Id);
        Assert.Equal("a", byId?.Id);
    }

    [Fact]
    public void It_is_heat_blind_a_full_tank_is_chosen_all_the_same()
    {
        var full = Build.Telemetry(tankCelsius: 60, maxAcceptedWatts: 100);
        var wanting = Build.Telemetry(demandWatts: 9000);

        var chosen = _policy.Choose(Build.Task(), [Build.Worker("full", full, freeSlots: 6), Build.Worker("wanting", wanting, freeSlots: 5)], Build.Midnight);

        Assert.Equal("full", chosen?.Id);
    }

    [Fact]
    public void Without_a_free_slot_the_task_waits()
    {
        var decision = _policy.Place(Build.Task(), [Build.Worker("a", null, freeSlots: 0)], Build.Midnight);

        Assert.Equal(PlacementOutcome.Wait, decision.Outcome);
        Assert.Null(decision.Worker);
    }
}
