using Hearth.Protocol.Orders;
using Hearth.Protocol;
using Hearth.Protocol.Deals;
using Hearth.Protocol.WorkerApi;
using Hearth.Sandbox;
using Hearth.Storage;
using Nethereum.Signer;

namespace Hearth.Worker.Execution;

/// <summary>Everything the worker checks in an assignment before spending anything on it.</summary>
public static class AssignmentCheck
{
    /// <summary>Throws <see cref="ReplicateFailedException"/> when the assignment is forged or malformed.</summary>
    public static Hash32 Verify(Assignment assignment, string worker, string expectedScheduler)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var taskId = Parse(assignment.TaskId, "task id");
        var dealId = Parse(assignment.DealId, "deal id");
        if (assignment.TaskIndex < 0)
            throw Invalid($"task index {assignment.TaskIndex} is negative");
        var expectedTask = Ids.TaskId(dealId, assignment.TaskIndex);
        if (expectedTask != taskId)
            throw Invalid($"task id {assignment.TaskId} is not task {assignment.TaskIndex} of deal {assignment.DealId} (that is {expectedTask})");

        var signer = RecoverAuthorizer(assignment.Authorization, worker, assignment.TaskId);
        if (signer is null || !Addresses.AreEqual(signer, expectedScheduler))
        {
            throw new ReplicateFailedException(FailureKinds.Unauthorised,
                $"assignment authorisation for task {assignment.TaskId} was signed by {signer ?? "no valid key"}, not by the pool's scheduler {expectedScheduler}; refused");
        }

        CheckAsset(assignment.App, "app");
        if (assignment.Dataset is { } dataset)
            CheckAsset(dataset, "dataset");
        if (assignment.Arguments is null || assignment.Environment is null)
            throw Invalid("arguments and environment are required (empty when there are none)");
        return taskId;
    }

    /// <summary>
    /// The sandbox limits of an assignment: what its deal asked for (null output or scratch: the worker's own limit), within
    /// what this worker gives. A task that asks more than the worker gives is refused with
    /// <see cref="FailureKinds.OverWorkerLimits"/>: the pool offered more than this worker is set up for, and the task goes
    /// to another worker.
    /// </summary>
    public static SandboxLimits ToSandboxLimits(TaskLimits limits, WorkerOptions worker)
    {
        if (limits is null)
            throw Invalid("limits are required");
        if (limits.Fuel is <= 0)
            throw Invalid($"fuel budget {limits.Fuel} must be positive, or absent to run unmetered");
        if (limits.OutputBytes is <= 0 || limits.ScratchBytes is <= 0)
            throw Invalid($"output ({limits.OutputBytes}) and scratch ({limits.ScratchBytes}) limits must be positive when given");
        var output = limits.OutputBytes ?? worker.MaxOutputBytes;
        var scratch = limits.ScratchBytes ?? worker.MaxScratchBytes;
        if (output > worker.MaxOutputBytes)
            throw OverLimits("output", output, worker.MaxOutputBytes, nameof(WorkerOptions.MaxOutputBytes));
        if (scratch > worker.MaxScratchBytes)
            throw OverLimits("scratch space", scratch, worker.MaxScratchBytes, nameof(WorkerOptions.MaxScratchBytes));
        var sandbox = new SandboxLimits
        {
            MemoryBytes = limits.MemoryBytes,
            WallTime = TimeSpan.FromSeconds(limits.WallTimeSeconds),
            OutputBytes = output,
            OutputEntries = 10_000,
            ScratchBytes = scratch,
            // The run's logs (RunLogs beside a result, or inside a failure record): the same bounded prefix on every worker.
            ConsoleCaptureBytes = RunLogs.CaptureBytes,
            Fuel = limits.Fuel is { } fuel ? (ulong)fuel : null,
        };
        return sandbox.Validate() is { } problem ? throw Invalid($"limits: {problem}") : sandbox;
    }

    private static ReplicateFailedException OverLimits(string what, long asked, long gives, string option) =>
        new(FailureKinds.OverWorkerLimits,
            $"the task asks for {ResourceTag.Format(asked)} of {what}; this worker gives at most {ResourceTag.Format(gives)} ({WorkerOptions.SectionName}:{option})");

    /// <summary>The address that signed the authorisation of <paramref name="worker"/> for a task, or null when it is malformed.</summary>
    public static string? RecoverAuthorizer(string? authorization, string worker, string taskId)
    {
        return string.IsNullOrEmpty(authorization) ? null : Signatures.RecoverMessage(WorkerLogin.AuthorizationMessage(worker, taskId), authorization);
    }

    private static void CheckAsset(AssetRef? asset, string what)
    {
        if (asset is null)
            throw Invalid($"{what} is missing");
        if (!Hash32.TryParse(asset.Checksum, out _))
            throw Invalid($"{what} checksum '{asset.Checksum}' is not a sha256 (64 hex digits)");
        _ = BlobAddressOf(asset.Checksum);
    }

    internal static BlobAddress BlobAddressOf(string checksum) => BlobAddress.FromHash(Hash32.Parse(checksum).Span);

    private static Hash32 Parse(string? value, string what) =>
        Hash32.TryParse(value, out var hash) ? hash : throw Invalid($"{what} '{value}' is not a 32-byte hex value");

    private static ReplicateFailedException Invalid(string reason) => new(FailureKinds.InvalidAssignment, $"invalid assignment: {reason}");
}
