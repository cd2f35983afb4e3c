namespace Hearth.Protocol.WorkerApi;

/// <summary>The texts a worker and a scheduler sign with EIP-191 personal_sign.</summary>
public static class WorkerLogin
{
    /// <summary>Binds the login to one pool and one challenge, so it replays nowhere else.</summary>
    public static string Message(string workerpool, string challenge) =>
        $"Hearth worker login\nworkerpool: {workerpool}\nchallenge: {challenge}";

    /// <summary>The scheduler's authorisation of one worker for one task.</summary>
    public static string AuthorizationMessage(string worker, string taskId) =>
        $"Hearth assignment\nworker: {worker.ToLowerInvariant()}\ntask: {taskId.ToLowerInvariant()}";
}
