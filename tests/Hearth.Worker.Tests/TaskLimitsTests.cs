using Hearth.Protocol.WorkerApi;
using Hearth.Worker.Execution;

namespace Hearth.Worker.Tests;

/// <summary>A task runs with what its deal asked for, within what the worker gives.</summary>
public sealed class TaskLimitsTests
{
    private static readonly WorkerOptions Worker = new() { MaxOutputBytes = 1L << 30, MaxScratchBytes = 2L << 30 };

    [Fact]
    public void The_deals_output_and_scratch_are_the_runs_limits()
    {
        var limits = AssignmentCheck.ToSandboxLimits(new TaskLimits(60, 512L << 20, null, 512L << 20, 1L << 30), Worker);
        Assert.Equal((512L << 20, 512L << 20, 1L << 30), (limits.MemoryBytes, limits.OutputBytes, limits.ScratchBytes));
    }

    [Fact]
    public void Without_them_the_workers_own_limits_apply()
    {
        var limits = AssignmentCheck.ToSandboxLimits(new TaskLimits(60, 256L << 20, null), Worker);
        Assert.Equal((1L << 30, 2L << 30), (limits.OutputBytes, limits.ScratchBytes));
    }

    [Theory]
    [InlineData(2L << 30, null, "2 GiB of output; this worker gives at most 1 GiB (Worker:MaxOutputBytes)")]
    [InlineData(null, 4L << 30, "4 GiB of scratch space; this worker gives at most 2 GiB (Worker:MaxScratchBytes)")]
    public void A_task_asking_more_than_the_worker_gives_is_given_back_for_another_worker(long? output, long? scratch, string reason)
    {
        var e = Assert.Throws<ReplicateFailedException>(() => AssignmentCheck.ToSandboxLimits(new TaskLimits(60, 256L << 20, null, output, scratch), Worker));
        Assert.Equal(FailureKinds.OverWorkerLimits, e.Kind);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData(0L, null)]
    [InlineData(null, -5L)]
    public void Limits_that_are_not_positive_are_an_invalid_assignment(long? output, long? scratch)
    {
        var e = Assert.Throws<ReplicateFailedException>(() => AssignmentCheck.ToSandboxLimits(new TaskLimits(60, 256L << 20, null, output, scratch), Worker));
        Assert.Equal(FailureKinds.InvalidAssignment, e.Kind);
    }
}
