using Microsoft.Extensions.Logging;

namespace Hearth.Sandbox;

/// <summary>
/// The folders runs work in, under <see cref="SandboxOptions.WorkDirectory"/>, each with an empty
/// in/, out/ and tmp/. A folder is emptied after its run and kept for the next one: on some file
/// systems creating and removing folders costs more than a small run. A folder that cannot be
/// emptied, or whose module may not have ended cleanly, is removed instead.
/// </summary>
internal sealed class RunFolderPool(string workDirectory, ILogger logger) : IDisposable
{
    // Only a burst of runs at once leaves this many waiting; more are removed.
    private const int MaxIdleFolders = 64;

    private readonly Lock _lock = new();
    private readonly Stack<RunFolder> _idle = new();
    private bool _disposed;

    /// <summary>A folder with an empty in/, out/ and tmp/.</summary>
    public RunFolder Rent()
    {
        lock (_lock)
        {
            if (_idle.TryPop(out var idle))
            {
                return idle;
            }
        }
        var folder = new RunFolder(Path.Combine(Path.GetFullPath(workDirectory), Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(folder.Input);
        Directory.CreateDirectory(folder.Output);
        Directory.CreateDirectory(folder.Scratch);
        return folder;
    }

    /// <summary>
    /// Takes a folder back after its run: emptied for the next run when <paramref name="reusable"/>
    /// (its module ended by itself), else removed.
    /// </summary>
    public void Return(RunFolder folder, bool reusable)
    {
        if (reusable && TryEmpty(folder))
        {
            lock (_lock)
            {
                if (!_disposed && _idle.Count < MaxIdleFolders)
                {
                    _idle.Push(folder);
                    return;
                }
            }
        }
        Remove(folder.Root);
    }

    private bool TryEmpty(RunFolder folder)
    {
        try
        {
            Empty(folder.Input);
            Empty(folder.Output);
            // The next run must never see this run's scratch files.
            Empty(folder.Scratch);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            SandboxLog.WorkFolderNotEmptied(logger, folder.Root, exception);
            return false;
        }
    }

    /// <summary>Deletes everything in the folder, never following a link.</summary>
    private static void Empty(string path)
    {
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo && entry.LinkTarget is null)
            {
                Directory.Delete(entry.FullName, recursive: true);
            }
            else
            {
                File.Delete(entry.FullName);
            }
        }
    }

    private void Remove(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            SandboxLog.WorkFolderNotRemoved(logger, path, exception);
        }
    }

    /// <summary>Removes the waiting folders; folders of runs still going are removed when they come back.</summary>
    public void Dispose()
    {
        RunFolder[] idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var folder in idle)
        {
            Remove(folder.Root);
        }
    }
}
