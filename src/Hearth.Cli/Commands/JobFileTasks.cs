using Hearth.Protocol.Deals;

namespace Hearth.Cli.Commands;

/// <summary>A job file's <c>tasks</c>: one entry per task, each with optional args, env and inputs, read as strictly as
/// the rest of the file and bounded as the scheduler bounds a task's entry (<see cref="TaskEntry"/>).</summary>
public sealed partial record JobFile
{
    private static TaskInputsSource TasksOf(string name, object value)
    {
        if (value is not Sequence { Items.Count: > 0 } seq)
            throw new CliException($"job file {name}: 'tasks' must be a list with one entry per task (args, env, inputs), not {Kind(value)}");
        if (seq.Items.Count > MaxTasks) throw new CliException($"job file {name}: 'tasks' has {seq.Items.Count} entries (at most {MaxTasks}, one per task)");
        var tasks = new List<TaskEntry>(seq.Items.Count);
        foreach (var item in seq.Items) tasks.Add(TaskOf(name, $"tasks[{tasks.Count}]", item));
        return new TaskInputsSource(null, tasks, "task entries");
    }

    private static TaskEntry TaskOf(string name, string at, object item)
    {
        if (item is Scalar { IsNull: true }) return TaskEntry.OfFiles([]); // "- " alone: a task with the params only
        if (item is not Mapping map) throw new CliException($"job file {name}: '{at}' must be {{args, env, inputs}}, not {Kind(item)}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var args = new List<string>();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<InputFile>();
        foreach (var (key, v) in map.Entries)
        {
            if (!seen.Add(key)) throw new CliException($"job file {name}: field '{at}.{Short(key)}' appears twice");
            switch (key)
            {
                case "args":
                    if (v is not Sequence a) throw new CliException($"job file {name}: '{at}.args' must be a list, not {Kind(v)}");
                    if (a.Items.Count > TaskEntry.MaxArgs) throw new CliException($"job file {name}: '{at}.args' has {a.Items.Count} arguments (at most {TaskEntry.MaxArgs})");
                    foreach (var arg in a.Items) args.Add(Text(name, $"{at}.args[{args.Count}]", arg, allowEmpty: true));
                    break;
                case "env":
                    if (v is not Mapping e) throw new CliException($"job file {name}: '{at}.env' must be name: value pairs, not {Kind(v)}");
                    if (e.Entries.Count > TaskEntry.MaxEnv) throw new CliException($"job file {name}: '{at}.env' has {e.Entries.Count} variables (at most {TaskEntry.MaxEnv})");
                    foreach (var (variable, text) in e.Entries)
                    {
                        if (variable.StartsWith(TaskEntry.ReservedPrefix, StringComparison.OrdinalIgnoreCase))
                            throw new CliException($"job file {name}: '{at}.env.{Short(variable)}': the HEARTH_ variables are set by the worker, not by the request");
                        if (!env.TryAdd(variable, Text(name, $"{at}.env.{Short(variable)}", text, allowEmpty: true)))
                            throw new CliException($"job file {name}: '{at}.env.{Short(variable)}' appears twice");
                    }
                    break;
                case "inputs":
                    if (v is not Sequence i) throw new CliException($"job file {name}: '{at}.inputs' must be a list of {{url, sha256}}, not {Kind(v)}");
                    if (i.Items.Count > TaskInputList.MaxFilesPerTask) throw new CliException($"job file {name}: '{at}.inputs' has {i.Items.Count} files (at most {TaskInputList.MaxFilesPerTask})");
                    foreach (var file in i.Items) files.Add(InputOf(name, $"{at}.inputs[{files.Count}]", file));
                    break;
                default:
                    throw new CliException($"job file {name}: unknown field '{at}.{Short(key)}'; a task has args, env and inputs");
            }
        }
        var task = new TaskEntry(files, args, env);
        if (task.Problem() is { } problem) throw new CliException($"job file {name}: '{at}' {problem}");
        return task;
    }
}
