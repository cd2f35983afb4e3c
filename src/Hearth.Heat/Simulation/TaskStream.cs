namespace Hearth.Heat;

/// <summary>A task of the simulated stream; times in seconds from the start of the day.</summary>
internal sealed record SimulatedTask(string Id, double ArrivalSeconds, double DurationSeconds, double DeadlineSeconds, double PowerWatts);

/// <summary>Poisson arrivals over one day, uniform durations, deadlines a uniform multiple of the duration.</summary>
internal static class TaskStream
{
    public static IReadOnlyList<SimulatedTask> Generate(
        SimulationOptions options, double taskEnergyJoules, double taskPowerWatts, Random random)
    {
        double meanDuration = (options.MinTaskSeconds + options.MaxTaskSeconds) / 2;
        double expectedTasks = taskEnergyJoules / (taskPowerWatts * meanDuration);
        double ratePerSecond = expectedTasks / 86_400;
        var tasks = new List<SimulatedTask>();
        if (!(ratePerSecond > 0))
        {
            return tasks;
        }

        double t = 0;
        while (true)
        {
            // Exponential gaps make the arrivals a Poisson process; 1 − U avoids the logarithm of zero.
            t += -Math.Log(1 - random.NextDouble()) / ratePerSecond;
            if (t >= 86_400)
            {
                return tasks;
            }

            double duration = Math.Round(options.MinTaskSeconds + (options.MaxTaskSeconds - options.MinTaskSeconds) * random.NextDouble());
            double factor = options.MinDeadlineFactor + (options.MaxDeadlineFactor - options.MinDeadlineFactor) * random.NextDouble();
            tasks.Add(new SimulatedTask($"task-{tasks.Count + 1:D5}", t, duration, t + factor * duration, taskPowerWatts));
        }
    }
}
