namespace Hearth.Worker.Execution;

/// <summary>The <c>Stage</c> values of progress reports, in the order a replicate goes through them.</summary>
public static class ProgressStages
{
    public const string Downloading = "Downloading";
    public const string Running = "Running";
    public const string Uploading = "Uploading";
}
