using ScottPlot;

namespace Hearth.Heat;

/// <summary>One PNG per season: tank temperatures above, placed load below; solid heat-aware, dashed heat-blind.</summary>
internal static class SimulationPlots
{
    private const int WidthPixels = 1200;
    private const int HeightPixels = 900;

    public static IReadOnlyList<string> Write(SimulationReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);

        var files = new List<string>();
        foreach (var season in report.Results.Select(r => r.Season).Distinct())
        {
            var runs = report.Results.Where(r => r.Season == season).ToList();
            string path = Path.Combine(folder, $"heat-{season.ToString().ToLowerInvariant()}.png");
            Draw(season, runs).SavePng(path, WidthPixels, HeightPixels);
            files.Add(path);
        }

        return files;
    }

    private static Multiplot Draw(Season season, IReadOnlyList<SeasonPolicyResult> runs)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var temperatures = multiplot.GetPlot(0);
        var load = multiplot.GetPlot(1);
        var palette = new ScottPlot.Palettes.Category10();

        foreach (var run in runs)
        {
            bool heatAware = run.Policy == HeatAwarePlacement.PolicyName;
            var pattern = heatAware ? LinePattern.Solid : LinePattern.Dashed;
            double[] hours = run.Series.Hours.ToArray();
            for (int j = 0; j < run.Series.BoilerIds.Count; j++)
            {
                var line = temperatures.Add.ScatterLine(hours, run.Series.TankCelsius[j].ToArray(), palette.GetColor(j));
                line.LinePattern = pattern;
                line.LineWidth = 1.5f;
                line.LegendText = $"{run.Series.BoilerIds[j]} ({run.Policy})";
            }

            var placed = load.Add.ScatterLine(hours, run.Series.PlacedLoadKilowatts.ToArray(), palette.GetColor(heatAware ? 0 : 1));
            placed.LinePattern = pattern;
            placed.LineWidth = 1.5f;
            placed.LegendText = $"{run.Policy}: useful heat {run.UsefulHeatShare:P1}, dumped {run.DumpedHeatKilowattHours:F1} kWh, spilled {run.SpilledTaskShare:P1}";
        }

        double maximum = runs.Max(r => r.TankMaximumCelsius);
        temperatures.Add.HorizontalLine(maximum, 1, Colors.Red, LinePattern.Dotted);
        temperatures.Title($"{season}: tank temperatures (solid heat-aware, dashed least-loaded)");
        temperatures.YLabel("tank °C");
        temperatures.XLabel("hours since midnight");
        temperatures.ShowLegend(Alignment.LowerLeft);

        load.Title($"{season}: load placed on the city's boilers");
        load.YLabel("task power kW");
        load.XLabel("hours since midnight");
        load.ShowLegend(Alignment.UpperLeft);
        return multiplot;
    }
}
