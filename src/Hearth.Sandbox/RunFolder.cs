namespace Hearth.Sandbox;

/// <summary>One run's folder: <see cref="Input"/> is the /in of a run without a folder dataset, <see cref="Output"/> its /out.</summary>
internal sealed class RunFolder
{
    public RunFolder(string root)
    {
        Root = root;
        Input = Path.Combine(root, "in");
        Output = Path.Combine(root, "out");
    }

    public string Root { get; }

    public string Input { get; }

    public string Output { get; }
}
