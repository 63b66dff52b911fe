namespace Klaviyo.Destinations;

/// <summary>
/// The exclusive owner lock of a queue path: <c>&lt;path&gt;.lock</c> held open with no sharing (an OS file lock, so it
/// is released when the process dies, even by SIGKILL). A second instance or process gets a clear error.
/// </summary>
internal sealed class QueueLock : IDisposable
{
    private readonly FileStream _file;

    private QueueLock(FileStream file) => _file = file;

    public static QueueLock Acquire(string databasePath)
    {
        var path = databasePath + ".lock";
        try
        {
            return Open(path);
        }
        catch (IOException ex)
        {
            throw new KlaviyoConfigurationException(
                $"The durable queue '{databasePath}' is already open in another Analytics instance or process (lock file '{path}': {ex.Message}). " +
                "A queue path has one owner at a time: give each instance its own Klaviyo:QueuePath, or stop the other owner first (do not run 'klaviyo-dest drain' while the app runs).");
        }
    }

    /// <summary>Takes the lock if no other owner holds it; null when one does. Other failures throw like <see cref="Acquire"/>.</summary>
    public static QueueLock? TryAcquire(string databasePath)
    {
        var path = databasePath + ".lock";
        try
        {
            return Open(path);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    private static QueueLock Open(string path)
    {
        try
        {
            return new QueueLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KlaviyoConfigurationException($"The durable queue's lock file '{path}' cannot be created: {ex.Message} Choose a Klaviyo:QueuePath in a directory the app can write.");
        }
    }

    public void Dispose() => _file.Dispose();
}
