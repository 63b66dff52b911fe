namespace Klaviyo.Destinations;

/// <summary>
/// Room kept aside so that a full disk can always be recovered from. In WAL mode even a delete needs room in the
/// write-ahead log; when the disk is full, delivered items could not be removed, nothing would free space, and delivery
/// would stall for good. The queue keeps a small file (<c>&lt;path&gt;.reserve</c>, <see cref="Size"/> bytes) beside
/// the database. When a commit of completions fails for lack of space, the file is deleted, which gives the log the room
/// to delete delivered items; those free pages inside the database for new items. Once the disk has room again, the file
/// is written back.
/// </summary>
internal sealed class DiskReserve(string databasePath)
{
    /// <summary>Pages after which the write-ahead log is checkpointed into the database (1 MB of 4 KB pages).</summary>
    public const int WalPages = 256;

    /// <summary>The size the write-ahead log is cut back to after a checkpoint.</summary>
    public const int WalBytes = 1024 * 1024;

    /// <summary>Bytes kept aside: twice the largest write-ahead log, so a checkpoint and the deletes after it always fit.</summary>
    public const int Size = 2 * WalBytes;

    /// <summary>What the reserve file's name adds to the database's path.</summary>
    public const string Suffix = ".reserve";

    private readonly string _path = databasePath + Suffix;
    private long _nextTry;

    /// <summary>Whether the reserve file is in place.</summary>
    public bool Held => File.Exists(_path);

    /// <summary>Writes the reserve file when it is missing and the disk has room for it and more (best effort, at most every 5 s).</summary>
    public void TryRestore(DateTimeOffset now)
    {
        if (Held || now.UtcTicks < _nextTry) return;
        _nextTry = now.UtcTicks + TimeSpan.TicksPerSecond * 5;
        try
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path))!;
            if (new DriveInfo(folder).AvailableFreeSpace < 4L * Size) return;
            using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
            var block = new byte[64 * 1024];
            for (var written = 0; written < Size; written += block.Length) file.Write(block);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            try { File.Delete(_path); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Deletes the reserve file to give its room back; false when there was none to give.</summary>
    public bool Release()
    {
        try
        {
            if (!File.Exists(_path)) return false;
            File.Delete(_path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
