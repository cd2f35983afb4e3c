using Hearth.Cli;

namespace Hearth.EndToEnd.Tests;

/// <summary>The `hearth` command run in process, as a user with its own home and the network's profile would run it.</summary>
internal static class HearthCli
{
    public const string Password = "a-long-password";

    public static async Task<(int Code, string Out, string Error)> RunAsync(string home, string profile, params string[] args)
    {
        var vars = new Dictionary<string, string>
        {
            ["HEARTH_HOME"] = home,
            ["HEARTH_NETWORK"] = profile,
            ["HEARTH_PASSWORD"] = Password,
        };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await HearthCommand.RunAsync(args, new CliContext { Out = output, Error = error, Environment = n => vars.GetValueOrDefault(n) });
        return (code, output.ToString(), error.ToString());
    }
}
