using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations;

/// <summary>
/// What the durable queue says when its file cannot serve: damaged pages, a read-only file, a file that is not a
/// queue. Each message names the file and the way out; none of them is a hang.
/// </summary>
internal static class QueueDamage
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteReadOnly = 8;

    /// <summary>Whether a SQLite error means the file's pages are damaged.</summary>
    public static bool IsCorruption(SqliteException ex) => ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase;

    public static KlaviyoConfigurationException Damaged(string path, string detail) => new(
        $"The durable queue '{path}' is damaged ({detail}). Nothing was sent from it and the app did not start delivering. Way out: stop the app and run " +
        $"'klaviyo-dest queue salvage --queue-path \"{path}\" --replace': it copies every item that can still be read and passes its checks into a new queue file, " +
        $"moves the damaged file aside to '{path}.damaged' (never changing it) and puts the new file in its place; start the app again and the salvaged items are sent. " +
        $"Without --replace it writes '{path}.salvaged' and leaves both files as they are. To give up the damaged items instead, move the file aside with its -wal and -shm files " +
        $"(mv '{path}' '{path}.damaged') and start again: a new, empty queue is created.");

    public static KlaviyoConfigurationException AtOpen(string path, SqliteException ex)
    {
        if (IsCorruption(ex)) return Damaged(path, $"SQLite error {ex.SqliteErrorCode}: {ex.Message}");
        if (ex.SqliteErrorCode == SqliteReadOnly) return ReadOnly(path);
        return new KlaviyoConfigurationException($"The durable queue '{path}' cannot be opened: {ex.Message} (SQLite error {ex.SqliteErrorCode}). Check that the path is a writable file that no other process holds, or move a damaged file aside.");
    }

    public static KlaviyoConfigurationException ReadOnly(string path) => new(
        $"The durable queue '{path}' is read-only (the file, or the file system it is on, cannot be written). The queue must write to keep items until Klaviyo has them: make the file and its folder writable, or choose another Klaviyo:QueuePath.");

    /// <summary>Throws <see cref="ReadOnly"/> when the queue file, its folder or its file system refuse writes.</summary>
    public static void ThrowIfReadOnly(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException && IsReadOnly(ex))
        {
            throw ReadOnly(path);
        }
    }

    private static bool IsReadOnly(Exception ex) => ex is UnauthorizedAccessException ||
        ex.HResult == 30 /* EROFS */ || ex.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);
}
