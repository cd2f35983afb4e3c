namespace Hearth.Heat.Tests;

/// <summary>One run of the default city, shared by the tests that read it; its plots go to a temporary folder.</summary>
public sealed class CitySimulationFixture : IDisposable
{
    public CitySimulationFixture()
    {
        PlotFolder = Path.Combine(Path.GetTempPath(), "hearth-heat-tests-" + Guid.NewGuid().ToString("N"));
        Report = CitySimulation.Run(new SimulationOptions { OutputFolder = PlotFolder });
    }

    public string PlotFolder { get; }

    public SimulationReport Report { get; }

    public void Dispose()
    {
        if (Directory.Exists(PlotFolder))
        {
            Directory.Delete(PlotFolder, recursive: true);
        }
    }
}
