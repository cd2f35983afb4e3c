namespace Hearth.Cli;

/// <summary>What a command reads and writes besides its arguments: output streams, environment, home folder.
/// Tests run commands in-process with their own context.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    public TextReader? Input { get; init; }
    public bool Interactive { get; init; }

    /// <summary>$HEARTH_HOME, else ~/.hearth: keystores and the default network profile live there.</summary>
    public string Home => Environment("HEARTH_HOME") is { Length: > 0 } home
        ? home
        : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".hearth");

    public static CliContext FromConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Input = Console.In,
        Interactive = !Console.IsInputRedirected,
    };
}

/// <summary>An error the user can act on: printed as one line, exit code 1, no stack trace.</summary>
public sealed class CliException(string message) : Exception(message);
