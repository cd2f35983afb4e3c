using System.Text;
using System.Text.Json;
using Hearth.Protocol;
using Hearth.Worker.Api;
using Microsoft.Extensions.Logging;

namespace Hearth.Worker.State;

/// <summary>
/// The replicates a worker holds, journaled in <c>&lt;work folder&gt;/worker-state.jsonl</c> so that a restarted worker
/// knows what it held: a header line naming the worker, then one line per change (a replicate held, or replicates
/// forgotten), appended. A change costs one short append, whatever the worker holds. The journal is rewritten whole
/// (a temporary file renamed over it) when it has grown well past what it holds, and when it is loaded, which also drops
/// a last line torn by a crash.
/// </summary>
public sealed class WorkerStateStore
{
    public const string FileName = "worker-state.jsonl";

    /// <summary>Lines beyond those a fresh journal would need before it is rewritten.</summary>
    private const int SlackLines = 256;

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly object _gate = new();
    private readonly Dictionary<string, HeldReplicate> _held = new(StringComparer.Ordinal);
    private readonly string _worker;
    private readonly ILogger _logger;
    private int _lines;

    public WorkerStateStore(string workFolder, string worker, ILogger<WorkerStateStore> logger)
    {
        Path = System.IO.Path.Combine(workFolder, FileName);
        _worker = worker;
        _logger = logger;
    }

    public string Path { get; }

    /// <summary>Replays the journal left by a previous run, and returns what it held. A missing file holds nothing.</summary>
    public IReadOnlyList<HeldReplicate> Load()
    {
        lock (_gate)
        {
            _held.Clear();
            _lines = 0;
            if (!File.Exists(Path)) return [];
            if (!Replay(File.ReadAllLines(Path, Encoding.UTF8)))
            {
                _held.Clear();
                return [];
            }
            Rewrite();
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

    /// <summary>Holds the replicates, with one append to the journal.</summary>
    public void PutMany(IReadOnlyCollection<HeldReplicate> replicates)
    {
        if (replicates.Count == 0) return;
        lock (_gate)
        {
            foreach (var replicate in replicates) _held[replicate.ReplicateId] = replicate;
            Append(replicates.Select(r => new WorkerStateChange(r, null)));
        }
    }

    public bool Remove(string replicateId) => RemoveMany([replicateId]) > 0;

    /// <summary>Forgets the replicates, with one append to the journal; returns how many were held.</summary>
    public int RemoveMany(IEnumerable<string> replicateIds)
    {
        lock (_gate)
        {
            var removed = replicateIds.Where(_held.Remove).ToList();
            if (removed.Count > 0) Append([new WorkerStateChange(null, removed)]);
            return removed.Count;
        }
    }

    /// <summary>False when the journal is another worker's, of another format, or damaged before its last line.</summary>
    private bool Replay(string[] lines)
    {
        WorkerStateHeader? header;
        try
        {
            header = lines.Length == 0 ? null : JsonSerializer.Deserialize<WorkerStateHeader>(lines[0], SchedulerApiClient.Json);
        }
        catch (JsonException e)
        {
            WorkerLog.StateUnreadable(_logger, Path, e);
            return false;
        }
        if (header is null || header.Version != WorkerStateHeader.CurrentVersion || !Addresses.AreEqual(header.Worker, _worker))
        {
            WorkerLog.StateOfAnotherWorker(_logger, Path, header?.Worker ?? "(nobody)", _worker);
            return false;
        }
        for (var i = 1; i < lines.Length; i++)
        {
            WorkerStateChange? change;
            try
            {
                change = JsonSerializer.Deserialize<WorkerStateChange>(lines[i], SchedulerApiClient.Json);
            }
            catch (JsonException e)
            {
                // A crash can tear the last append, and only the last: anything earlier was edited by another program.
                if (i == lines.Length - 1) break;
                WorkerLog.StateUnreadable(_logger, Path, e);
                return false;
            }
            if (change?.Put?.Assignment?.ReplicateId is not null) _held[change.Put.ReplicateId] = change.Put;
            foreach (var id in change?.Remove ?? []) _held.Remove(id);
        }
        return true;
    }

    private void Append(IEnumerable<WorkerStateChange> changes)
    {
        if (_lines == 0 || _lines > 2 * _held.Count + SlackLines)
        {
            Rewrite();
            return;
        }
        using var buffer = new MemoryStream();
        foreach (var change in changes)
        {
            JsonSerializer.Serialize(buffer, change, SchedulerApiClient.Json);
            buffer.Write(NewLine);
            _lines++;
        }
        // No fsync: a crashed process loses at most a torn last line. After a power cut an older state may come back;
        // the scheduler has reassigned those replicates by then and refuses their reports.
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        buffer.WriteTo(file);
    }

    /// <summary>Writes the header and one line per held replicate to a temporary file, renamed over the journal.</summary>
    private void Rewrite()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temp = Path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, new WorkerStateHeader(WorkerStateHeader.CurrentVersion, _worker), SchedulerApiClient.Json);
            file.Write(NewLine);
            foreach (var held in _held.Values.OrderBy(r => r.ReplicateId, StringComparer.Ordinal))
            {
                JsonSerializer.Serialize(file, new WorkerStateChange(held, null), SchedulerApiClient.Json);
                file.Write(NewLine);
            }
        }
        File.Move(temp, Path, overwrite: true);
        _lines = 1 + _held.Count;
    }
}
