using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Queues left under the default folder of earlier versions (<c>&lt;app&gt;/account-…</c>, keyed by base URL and API
/// key): the one of the current base URL and key is adopted (its files move into the new folder, so its items are sent),
/// the others are reported with the command that drains them. Nothing is deleted.
/// </summary>
internal static class LegacyQueues
{
    private static readonly string[] s_suffixes = ["", "-wal", "-shm"];

    public static void AdoptOrReport(string legacyDirectory, string directory, int slots, ILogger logger)
    {
        try
        {
            if (System.IO.Directory.Exists(legacyDirectory)) Adopt(legacyDirectory, directory, slots, logger);
            var parent = Path.GetDirectoryName(directory);
            if (parent is null || !System.IO.Directory.Exists(parent)) return;
            foreach (var other in System.IO.Directory.EnumerateDirectories(parent, "account-*"))
                foreach (var file in System.IO.Directory.EnumerateFiles(other, "queue*.db"))
                    QueueLog.LegacyQueueLeft(logger, file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            QueueLog.LegacyQueueUnreadable(logger, legacyDirectory, ex.Message);
        }
    }

    private static void Adopt(string legacyDirectory, string directory, int slots, ILogger logger)
    {
        for (var slot = 1; slot <= slots; slot++)
        {
            var name = slot == 1 ? "queue.db" : $"queue-{slot}.db";
            var from = Path.Combine(legacyDirectory, name);
            if (!File.Exists(from)) continue;
            var to = FreeName(directory, slots);
            if (to is null) return;
            // Held by a running instance of the old version: leave it to that instance.
            using (var owner = QueueLock.TryAcquire(from))
            {
                if (owner is null) continue;
                foreach (var suffix in s_suffixes)
                    if (File.Exists(from + suffix)) File.Move(from + suffix, to + suffix);
            }
            File.Delete(from + ".lock");
            File.Delete(from + DiskReserve.Suffix);   // spare room only: the queue makes its own beside its new path
            QueueLog.LegacyQueueAdopted(logger, from, to);
        }
        if (!System.IO.Directory.EnumerateFileSystemEntries(legacyDirectory).Any()) System.IO.Directory.Delete(legacyDirectory);
    }

    private static string? FreeName(string directory, int slots)
    {
        for (var slot = 1; slot <= slots; slot++)
        {
            var path = Path.Combine(directory, slot == 1 ? "queue.db" : $"queue-{slot}.db");
            if (!File.Exists(path) && !File.Exists(path + "-wal")) return path;
        }
        return null;
    }
}
