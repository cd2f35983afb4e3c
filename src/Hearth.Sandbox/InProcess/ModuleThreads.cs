namespace Hearth.Sandbox.InProcess;

/// <summary>
/// The threads in-process runs execute on: long-lived, with stacks large enough for Wasm
/// frames, and off the thread pool, so a long run does not hold a pool thread. A run takes an
/// idle thread or starts one, so runs never wait for each other; a thread waits for the next
/// run until the runner is disposed. Threads are not started per run: Wasmtime gives each
/// thread that runs Wasm a signal stack that outlives the thread (two memory mappings, of the
/// 65 530 Linux allows a process by default), and a thread costs more to start than a small run.
/// </summary>
internal sealed class ModuleThreads : IDisposable
{
    // Wasm frames live on the native stack of the thread that calls in.
    private const int StackBytes = 16 * 1024 * 1024;

    // A plain monitor: an idle thread waits without spinning.
    private readonly object _lock = new();
    private readonly Queue<Action> _handedOver = new();
    private int _idleThreads;
    private bool _disposed;

    /// <summary>Runs <paramref name="work"/> on one of these threads.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception exception)
            {
                completion.SetException(exception);
            }
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(SandboxRunner));
            if (_idleThreads > 0)
            {
                _idleThreads--;
                _handedOver.Enqueue(Run);
                Monitor.Pulse(_lock);
                return completion.Task;
            }
        }
        new Thread(() => Serve(Run), StackBytes) { IsBackground = true, Name = "hearth-sandbox" }.Start();
        return completion.Task;
    }

    private void Serve(Action first)
    {
        var run = first;
        while (true)
        {
            run();
            lock (_lock)
            {
                _idleThreads++;
                while (_handedOver.Count == 0 && !_disposed)
                {
                    Monitor.Wait(_lock);
                }
                // Disposed, with nothing handed over: the thread ends.
                if (!_handedOver.TryDequeue(out run!))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Ends the idle threads; busy ones end after their run.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Monitor.PulseAll(_lock);
        }
    }
}
