using System.Text.Json;
using Hearth.Protocol;
using Hearth.Worker.Api;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.State;

/// <summary>
/// The replicates a worker holds, mirrored in <c>&lt;work folder&gt;/worker-state.json</c> on every change, so that a
/// restarted worker knows what it held. Writes go to a temporary file renamed over the old one: a crash leaves either
/// the old state or the new, never half of one.
/// </summary>
public sealed class WorkerStateStore
{
    public const string FileName = "worker-state.json";

    private readonly object _gate = new();
    private readonly Dictionary<string, HeldReplicate> _held = new(StringComparer.Ordinal);
    private readonly string _worker;
    private readonly ILogger _logger;

    public WorkerStateStore(string workFolder, string worker, ILogger<WorkerStateStore> logger)
    {
        Path = System.IO.Path.Combine(workFolder, FileName);
        _worker = worker;
        _logger = logger;
    }

    public string Path { get; }

    /// <summary>Reads the state file left by a previous run, and returns what it held. A missing file holds nothing.</summary>
    public IReadOnlyList<HeldReplicate> Load()
    {
        lock (_gate)
        {
            _held.Clear();
            if (!File.Exists(Path))
                return [];
            WorkerState? state;
            try
            {
                state = JsonSerializer.Deserialize<WorkerState>(File.ReadAllBytes(Path), SchedulerApiClient.Json);
            }
            catch (JsonException e)
            {
                // A state file is only ever replaced whole; an unreadable one was edited by hand or by another program.
                WorkerLog.StateUnreadable(_logger, Path, e);
                return [];
            }
            if (state is null || state.Version != WorkerState.CurrentVersion || !Addresses.AreEqual(state.Worker, _worker))
            {
                WorkerLog.StateOfAnotherWorker(_logger, Path, state?.Worker ?? "(nobody)", _worker);
                return [];
            }
            foreach (var replicate in state.Replicates.Where(r => r?.Assignment?.ReplicateId is not null))
                _held[replicate.ReplicateId] = replicate;
            return [.. _held.Values];
        }
    }

    public IReadOnlyList<string> HeldIds()
    {
        lock (_gate)
            return [.. _held.Keys.Order(StringComparer.Ordinal)];
    }

    public bool Contains(string replicateId)
    {
        lock (_gate)
            return _held.ContainsKey(replicateId);
    }

    public void Put(HeldReplicate replicate) => PutMany([replicate]);

    /// <summary>Holds the replicates, with one write of the state file.</summary>
    public void PutMany(IReadOnlyCollection<HeldReplicate> replicates)
    {
        if (replicates.Count == 0)
            return;
        lock (_gate)
        {
            foreach (var replicate in replicates)
                _held[replicate.ReplicateId] = replicate;
            Save();
        }
    }

    public bool Remove(string replicateId) => RemoveMany([replicateId]) > 0;

    /// <summary>Forgets the replicates, with one write of the state file; returns how many were held.</summary>
    public int RemoveMany(IEnumerable<string> replicateIds)
    {
        lock (_gate)
        {
            var removed = replicateIds.Count(_held.Remove);
            if (removed > 0)
                Save();
            return removed;
        }
    }

    private void Save()
    {
        var state = new WorkerState(WorkerState.CurrentVersion, _worker, [.. _held.Values.OrderBy(r => r.ReplicateId, StringComparer.Ordinal)]);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temp = Path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, state, SchedulerApiClient.Json);
            // No fsync: the rename already keeps a crashed process from leaving half a state. After a power cut an older
            // state may come back; the scheduler has reassigned those replicates by then and refuses their reports.
            file.Flush();
        }
        File.Move(temp, Path, overwrite: true);
    }
}
