namespace Hearth.Sandbox;

/// <summary>A host folder the module sees read-only at <see cref="GuestPath"/> (an absolute path such as <c>/share</c>).</summary>
public sealed record ReadOnlyMount(string HostPath, string GuestPath);
