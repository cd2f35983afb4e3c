namespace Hearth.Heat;

/// <summary>
/// Plays one day of one pool: every step, queued tasks are offered to the policy in deadline order, the
/// boilers run the placed tasks for the step, and finished tasks are checked against their deadlines.
/// </summary>
internal sealed class PoolRun
{
    private sealed class RunningTask(SimulatedTask task, DateTimeOffset deadline)
    {
        public SimulatedTask Task { get; } = task;
        public DateTimeOffset Deadline { get; } = deadline;
        public double RemainingSeconds { get; set; } = task.DurationSeconds;
    }

    private readonly SimulationOptions _options;
    private readonly SeasonConditions _season;
    private readonly IPlacementPolicy _policy;
    private readonly IReadOnlyList<CityBoiler> _city;
    private readonly IReadOnlyList<SimulatedTask> _tasks;
    private readonly DateTimeOffset _start;
    private readonly SimulationClock _clock;
    private readonly List<SimulatedBoiler> _boilers;
    private readonly List<RunningTask>[] _running;
    private readonly int[] _tracked;
    private int _completed;
    private int _missed;
    private int _spilled;
    private double _maxTankCelsius;

    public PoolRun(
        SimulationOptions options, SeasonConditions season, IPlacementPolicy policy, IReadOnlyList<CityBoiler> city, IReadOnlyList<SimulatedTask> tasks)
    {
        _options = options;
        _season = season;
        _policy = policy;
        _city = city;
        _tasks = tasks;
        _start = season.Season == Season.Winter
            ? new DateTimeOffset(2025, 1, 15, 0, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(2025, 7, 15, 0, 0, 0, TimeSpan.Zero);
        _clock = new SimulationClock(_start);
        _boilers = city
            .Select(b => new SimulatedBoiler(b.Id, new BoilerModel(City.Parameters(b, season, options.Overheat), _start), _clock, options.StepSeconds))
            .ToList();
        _running = _boilers.Select(_ => new List<RunningTask>()).ToArray();
        _tracked = TrackedBoilers(city, options.PlottedBoilers);
        _maxTankCelsius = _boilers.Max(b => b.Model.TankCelsius);
    }

    public SeasonPolicyResult Execute(CancellationToken cancellationToken)
    {
        // A day of arrivals, played on until the last deadline has passed so every task is settled.
        double lastDeadline = _tasks.Count == 0 ? 0 : _tasks.Max(t => t.DeadlineSeconds);
        int steps = (int)Math.Ceiling(Math.Max(86_400, lastDeadline) / _options.StepSeconds);
        var step = TimeSpan.FromSeconds(_options.StepSeconds);
        var queue = new List<(SimulatedTask Task, PlacementTask Placement)>();
        var hours = new List<double>(steps);
        var temperatures = _tracked.Select(_ => new List<double>(steps)).ToArray();
        var placedLoad = new List<double>(steps);
        double taskJoules = 0;
        int nextArrival = 0;

        for (int k = 0; k < steps; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _clock.GetUtcNow();
            while (nextArrival < _tasks.Count && _start.AddSeconds(_tasks[nextArrival].ArrivalSeconds) <= now)
            {
                var t = _tasks[nextArrival++];
                queue.Add((t, new PlacementTask(t.Id, t.DurationSeconds, _start.AddSeconds(t.DeadlineSeconds), t.PowerWatts)));
            }

            PlaceQueued(queue, now);

            double loadWatts = 0;
            for (int i = 0; i < _boilers.Count; i++)
            {
                _boilers[i].RequestedUtilisation = (double)_running[i].Count / _options.SlotsPerBoiler;
                loadWatts += _running[i].Sum(r => r.Task.PowerWatts);
            }

            _clock.Advance(step);
            for (int i = 0; i < _boilers.Count; i++)
            {
                foreach (var boilerStep in _boilers[i].CatchUp())
                {
                    taskJoules += Progress(_running[i], boilerStep);
                    _maxTankCelsius = Math.Max(_maxTankCelsius, boilerStep.EndCelsius);
                }
            }

            hours.Add((_clock.GetUtcNow() - _start).TotalHours);
            placedLoad.Add(loadWatts / 1000);
            for (int j = 0; j < _tracked.Length; j++)
            {
                temperatures[j].Add(_boilers[_tracked[j]].Model.TankCelsius);
            }
        }

        // Whatever is still queued or running once every deadline has passed has missed it.
        _missed += queue.Count + _running.Sum(r => r.Count);
        var series = new RunSeries(hours, _tracked.Select(i => _city[i].Id).ToArray(), temperatures, placedLoad);
        return Summarise(series, taskJoules);
    }

    private void PlaceQueued(List<(SimulatedTask Task, PlacementTask Placement)> queue, DateTimeOffset now)
    {
        // Earliest deadline first, so the tightest tasks get the best places.
        queue.Sort((a, b) => a.Task.DeadlineSeconds != b.Task.DeadlineSeconds
            ? a.Task.DeadlineSeconds.CompareTo(b.Task.DeadlineSeconds)
            : string.CompareOrdinal(a.Task.Id, b.Task.Id));

        var candidates = new WorkerCandidate[_boilers.Count];
        var index = new Dictionary<string, int>(_boilers.Count, StringComparer.Ordinal);
        for (int i = 0; i < _boilers.Count; i++)
        {
            candidates[i] = new WorkerCandidate(
                _boilers[i].BoilerId,
                _options.SlotsPerBoiler - _running[i].Count,
                (double)_running[i].Count / _options.SlotsPerBoiler,
                _boilers[i].Read());
            index[_boilers[i].BoilerId] = i;
        }

        var kept = new List<(SimulatedTask Task, PlacementTask Placement)>(queue.Count);
        foreach (var entry in queue)
        {
            var decision = _policy.Place(entry.Placement, candidates, now);
            switch (decision.Outcome)
            {
                case PlacementOutcome.Placed:
                    int i = index[decision.Worker!.Id];
                    _running[i].Add(new RunningTask(entry.Task, entry.Placement.Deadline));
                    candidates[i] = AfterPlacement(candidates[i], entry.Task.PowerWatts);
                    break;
                case PlacementOutcome.Spill:
                    _spilled++;
                    break;
                case PlacementOutcome.Wait when now.AddSeconds(entry.Task.DurationSeconds) > entry.Placement.Deadline:
                    // It can no longer finish in time: the requester will claim a refund.
                    _missed++;
                    break;
                default:
                    kept.Add(entry);
                    break;
            }
        }

        queue.Clear();
        queue.AddRange(kept);
    }

    private WorkerCandidate AfterPlacement(WorkerCandidate candidate, double taskWatts) => candidate with
    {
        FreeSlots = candidate.FreeSlots - 1,
        Load = candidate.Load + 1.0 / _options.SlotsPerBoiler,
        Telemetry = candidate.Telemetry is null ? null : candidate.Telemetry with { PowerWatts = candidate.Telemetry.PowerWatts + taskWatts },
    };

    /// <summary>Runs the tasks of one boiler through one step; returns the task energy delivered, joules.</summary>
    private double Progress(List<RunningTask> running, BoilerStep step)
    {
        double delivered = 0;
        double work = step.Seconds * step.RunFraction;
        for (int n = running.Count - 1; n >= 0; n--)
        {
            var task = running[n];
            double done = Math.Min(work, task.RemainingSeconds);
            delivered += done * task.Task.PowerWatts;
            task.RemainingSeconds -= done;
            if (task.RemainingSeconds > 0)
            {
                continue;
            }

            var finished = step.Start.AddSeconds(done / step.RunFraction);
            if (finished > task.Deadline)
            {
                _missed++;
            }
            else
            {
                _completed++;
            }

            running.RemoveAt(n);
        }

        return delivered;
    }

    private SeasonPolicyResult Summarise(RunSeries series, double taskJoules)
    {
        var totals = _boilers.Select(b => b.Model.Totals).ToList();
        double server = totals.Sum(t => t.ServerJoules);
        double backup = totals.Sum(t => t.BackupJoules);
        double loss = totals.Sum(t => t.LossJoules);
        double dumped = totals.Sum(t => t.DumpedJoules);

        // In summer the tank's losses heat a building that wants no heat; charge computing its share of them.
        double wastedLoss = _season.Season == Season.Summer && server + backup > 0 ? loss * server / (server + backup) : 0;
        double useful = server > 0 ? Math.Max(0, server - dumped - wastedLoss) / server : 1;
        int count = _tasks.Count;

        return new SeasonPolicyResult
        {
            Season = _season.Season,
            Policy = _policy.Name,
            UsefulHeatShare = useful,
            DumpedHeatKilowattHours = ToKilowattHours(dumped),
            DeadlineMissShare = count == 0 ? 0 : (double)_missed / count,
            ComfortShortfallHours = totals.Sum(t => t.ComfortShortfallSeconds) / 3600,
            SpilledTaskShare = count == 0 ? 0 : (double)_spilled / count,
            ComputingKilowattHours = ToKilowattHours(server),
            TaskKilowattHours = ToKilowattHours(taskJoules),
            BackupKilowattHours = ToKilowattHours(backup),
            LossKilowattHours = ToKilowattHours(loss),
            DrawnKilowattHours = ToKilowattHours(totals.Sum(t => t.DrawnJoules)),
            StoredChangeKilowattHours = ToKilowattHours(totals.Sum(t => t.StoredChangeJoules)),
            MaxBalanceErrorJoules = totals.Max(t => Math.Abs(t.BalanceErrorJoules)),
            TaskCount = count,
            CompletedTasks = _completed,
            MissedTasks = _missed,
            SpilledTasks = _spilled,
            MaxTankCelsius = _maxTankCelsius,
            TankMaximumCelsius = _boilers.Max(b => b.Model.Parameters.MaximumCelsius),
            Series = series,
        };
    }

    private static double ToKilowattHours(double joules) => joules / 3.6e6;

    // One boiler of each kind first, then more homes, so the plot shows the variety of the city.
    private static int[] TrackedBoilers(IReadOnlyList<CityBoiler> city, int count)
    {
        var firstOfEachKind = Enum.GetValues<BuildingKind>()
            .Select(kind => city.Select((b, i) => (b, i)).FirstOrDefault(x => x.b.Kind == kind))
            .Where(x => x.b is not null)
            .Select(x => x.i);
        return firstOfEachKind
            .Concat(Enumerable.Range(0, city.Count))
            .Distinct()
            .Take(count)
            .Order()
            .ToArray();
    }
}
