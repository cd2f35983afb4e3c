using Hearth.Cli;

return await HearthCommand.RunAsync(args);
