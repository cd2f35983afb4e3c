using Microsoft.Extensions.Logging;

namespace Hearth.Worker.Tests;

/// <summary>Sends a component's logs to the test's output, so a failing test shows what the worker did.</summary>
public sealed class XunitLoggerProvider(ITestOutputHelper output, string prefix) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) =>
        new Logger(output, prefix, categoryName[(categoryName.LastIndexOf('.') + 1)..],
            categoryName.StartsWith("System.Net.Http", StringComparison.Ordinal) || categoryName.StartsWith("Microsoft.", StringComparison.Ordinal) ? LogLevel.Warning : LogLevel.Information);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string prefix, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix} {logLevel.ToString()[..4]} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test has ended; late log lines of a stopping worker have nowhere to go.
            }
        }
    }
}
