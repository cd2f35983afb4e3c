namespace Hearth.Worker.Telemetry;

/// <summary>How many of the worker's slots are running a module right now; the boiler's utilisation follows it.</summary>
public sealed class WorkerLoad(int slots)
{
    private int _running;

    public int Slots { get; } = slots;

    public int Running => Volatile.Read(ref _running);

    /// <summary>Share of the slots running a module, 0 to 1.</summary>
    public double Utilisation => Math.Clamp((double)Running / Slots, 0, 1);

    public event Action<double>? Changed;

    /// <summary>Counts a module run until the returned scope is disposed.</summary>
    public IDisposable Enter()
    {
        Interlocked.Increment(ref _running);
        Changed?.Invoke(Utilisation);
        return new Scope(this);
    }

    private void Leave()
    {
        Interlocked.Decrement(ref _running);
        Changed?.Invoke(Utilisation);
    }

    private sealed class Scope(WorkerLoad load) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                load.Leave();
        }
    }
}
