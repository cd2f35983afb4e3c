using System.CommandLine;
using Hearth.Heat;

namespace Hearth.Cli.Sim;

/// <summary>`hearth sim heat`: a city of digital boilers over a winter and a summer day, both placement policies.</summary>
public static class SimCommand
{
    public static Command Create()
    {
        var boilers = new Option<int>("--boilers") { Description = "Number of boilers in the city.", DefaultValueFactory = _ => 40 };
        var seed = new Option<int>("--seed") { Description = "Seed of the buildings and the task stream.", DefaultValueFactory = _ => 42 };
        var output = new Option<string>("--output") { Description = "Folder for the PNG plots.", DefaultValueFactory = _ => "sim-heat" };
        var heat = new Command("heat", "Simulate heat-aware and heat-blind placement over a winter and a summer day; prints JSON lines, writes plots.")
        {
            boilers, seed, output,
        };
        heat.SetAction((parse, ct) =>
        {
            var options = new SimulationOptions
            {
                BoilerCount = parse.GetValue(boilers),
                Seed = parse.GetValue(seed),
                OutputFolder = Path.GetFullPath(parse.GetValue(output)!),
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                Console.Error.WriteLine($"error: {string.Join("; ", problems)}");
                return Task.FromResult(2);
            }
            var report = CitySimulation.Run(options, ct);
            foreach (var line in report.JsonLines()) Console.WriteLine(line);
            Console.Error.WriteLine($"plots written to {options.OutputFolder}");
            return Task.FromResult(0);
        });
        var sim = new Command("sim", "Simulations.");
        sim.Subcommands.Add(heat);
        return sim;
    }
}
