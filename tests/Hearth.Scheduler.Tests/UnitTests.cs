using Hearth.Protocol;
using Hearth.Scheduler.Api;
using Hearth.Scheduler.Replication;
using Hearth.Scheduler.State;
using TaskStatus = Hearth.Scheduler.State.TaskStatus;
using Microsoft.Extensions.Options;

namespace Hearth.Scheduler.Tests;

public sealed class ReplicationPlannerTests
{
    private static readonly Hash32 A = Hash32.Sha256("a"u8);
    private static readonly Hash32 B = Hash32.Sha256("b"u8);

    [Theory]
    [InlineData(1u, 1)]
    [InlineData(3u, 2)]
    [InlineData(10u, 4)]
    [InlineData(100u, 7)]
    public void New_workers_start_with_what_the_rule_needs(uint trust, int replicates) =>
        Assert.Equal(replicates, ReplicationPlanner.Plan(trust, [], 0, 0, 2).MoreReplicates);

    [Fact]
    public void Running_replicates_count_towards_the_need() =>
        Assert.Equal(0, ReplicationPlanner.Plan(3, [], 2, 2, 2).MoreReplicates);

    [Fact]
    public void A_disagreement_asks_for_more_agreeing_workers()
    {
        var plan = ReplicationPlanner.Plan(3, [(A, 2), (B, 2)], 0, 2, 2);
        Assert.Null(plan.Consensus);
        Assert.Equal(2, plan.MoreReplicates);
        Assert.Contains("needs 2 more agreeing contributions (trust 3", plan.Reason);
    }

    [Fact]
    public void Agreement_reaches_consensus()
    {
        var plan = ReplicationPlanner.Plan(3, [(A, 2), (B, 2), (A, 2), (A, 2)], 0, 4, 2);
        Assert.Equal(A, plan.Consensus);
    }

    [Fact]
    public void Reputable_workers_need_fewer_replicates() =>
        Assert.Equal(1, ReplicationPlanner.Plan(3, [], 0, 0, 8).MoreReplicates);

    [Fact]
    public void The_cap_on_contributions_exhausts_a_task()
    {
        var split = Enumerable.Range(0, 24).Select(i => (i % 2 == 0 ? A : B, 2)).ToList();
        var plan = ReplicationPlanner.Plan(3, split, 0, 24, 2);
        Assert.True(plan.Exhausted);
    }
}

public sealed class StateMachineTests
{
    [Theory]
    [InlineData(TaskStatus.Pending, TaskStatus.Running, true)]
    [InlineData(TaskStatus.Pending, TaskStatus.Settled, false)]
    [InlineData(TaskStatus.ConsensusReached, TaskStatus.Settling, true)]
    [InlineData(TaskStatus.Settling, TaskStatus.ConsensusReached, true)]
    [InlineData(TaskStatus.Settled, TaskStatus.Settling, true)] // its settlement's block was reorganised away
    [InlineData(TaskStatus.Settled, TaskStatus.ConsensusReached, false)]
    [InlineData(TaskStatus.Failed, TaskStatus.Running, false)]
    public void Task_transitions(TaskStatus from, TaskStatus to, bool allowed) => Assert.Equal(allowed, TaskStateMachine.CanMove(from, to));

    [Theory]
    [InlineData(ReplicateStatus.Assigned, ReplicateStatus.Running, true)]
    [InlineData(ReplicateStatus.Running, ReplicateStatus.Downloading, false)]
    [InlineData(ReplicateStatus.Abandoned, ReplicateStatus.Contributed, false)]
    [InlineData(ReplicateStatus.Contributed, ReplicateStatus.Disagreed, true)]
    [InlineData(ReplicateStatus.Cancelled, ReplicateStatus.Running, false)]
    public void Replicate_transitions(ReplicateStatus from, ReplicateStatus to, bool allowed) => Assert.Equal(allowed, ReplicateStateMachine.CanMove(from, to));
}

public sealed class OptionsAndParamsTests
{
    [Fact]
    public void Invalid_options_are_named_precisely()
    {
        var result = new SchedulerOptionsValidator().Validate(null, new SchedulerOptions { PlacementPolicy = "random", PollIntervalMs = 0, Database = DatabaseProvider.PostgreSql, AssignmentsAheadPerSlot = -1 });
        Assert.True(result.Failed);
        var text = string.Join("\n", result.Failures!);
        foreach (var part in new[] { "Scheduler:RpcUrl", "Scheduler:Deployment is missing", "Scheduler:WorkerpoolId", "Scheduler:SchedulerPrivateKey", "Scheduler:ConnectionString is required", "Scheduler:PollIntervalMs", "Scheduler:PlacementPolicy 'random'", "Scheduler:ResultStorageUrl", "Scheduler:AssignmentsAheadPerSlot must be between 0 and 16, was -1" })
            Assert.Contains(part, text);
        Assert.Throws<OptionsValidationException>(() => SchedulerOptionsValidator.ThrowIfInvalid(new SchedulerOptions()));
    }

    [Fact]
    public void Params_become_arguments_and_environment()
    {
        Assert.Equal(["--samples", "10"], DealParams.Parse("--samples  10").Arguments);
        var (args, env) = DealParams.Parse("{\"args\":[\"a b\"],\"env\":{\"X\":\"1\",\"HEARTH_TASK_ID\":\"forged\"}}");
        Assert.Equal(["a b"], args);
        Assert.Equal(new Dictionary<string, string> { ["X"] = "1" }, env);
    }
}

public sealed class CrossCheckTests
{
    private static readonly Hearth.Protocol.Hash32 A = Hearth.Protocol.Hash32.Sha256("a"u8);

    [Fact]
    public void A_lone_new_worker_is_cross_checked_above_trust_one()
    {
        Assert.Equal(2, ReplicationPlanner.Plan(2, [], 0, 0, 2).MoreReplicates);
        var one = ReplicationPlanner.Plan(2, [(A, 2)], 0, 1, 2);
        Assert.Null(one.Consensus);
        Assert.Equal(1, one.MoreReplicates);
        Assert.Equal(A, ReplicationPlanner.Plan(2, [(A, 2), (A, 2)], 0, 2, 2).Consensus);
        Assert.Equal(A, ReplicationPlanner.Plan(1, [(A, 2)], 0, 1, 2).Consensus);
    }
}
