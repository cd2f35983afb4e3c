namespace Hearth.Sandbox;

/// <summary>
/// One run's folder: <see cref="Input"/> is the /in of a run without a folder dataset, <see cref="Output"/> its /out,
/// <see cref="Scratch"/> its /tmp (never archived).
/// </summary>
internal sealed class RunFolder
{
    public RunFolder(string root)
    {
        Root = root;
        Input = Path.Combine(root, "in");
        Output = Path.Combine(root, "out");
        Scratch = Path.Combine(root, "tmp");
    }

    public string Root { get; }

    public string Input { get; }

    public string Output { get; }

    public string Scratch { get; }
}
