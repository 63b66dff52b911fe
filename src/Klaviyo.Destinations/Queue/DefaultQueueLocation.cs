using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Where the durable queue lives when <see cref="KlaviyoDestinationOptions.QueuePath"/> is not set:
/// <c>&lt;LocalApplicationData&gt;/Klaviyo.Destinations/&lt;app&gt;/&lt;endpoint&gt;/queue.db</c>.
/// <list type="bullet">
/// <item><c>&lt;app&gt;</c> is the entry assembly's name, so two apps on one machine never share a queue.</item>
/// <item><c>&lt;endpoint&gt;</c> is the base URL's host and port (<c>a.klaviyo.com</c>, <c>127.0.0.1-5080</c>): items
/// accepted against the emulator never go to Klaviyo. It does not depend on the API key, so rotating the key keeps the
/// queue (and the items in it are sent with the new key).</item>
/// <item>Earlier versions keyed the folder by a fingerprint of the base URL and the key (<c>account-…</c>). The folder
/// of the current base URL and key is adopted (its queue files move to the new folder) when the new folder has none;
/// other such folders are reported in the log with the command that drains them.</item>
/// <item>A queue has one owner. When another instance of the app holds <c>queue.db</c>, the next free slot is used
/// (<c>queue-2.db</c> … <c>queue-8.db</c>); a restarted instance takes the first free one, and so delivers what a
/// stopped instance left there.</item>
/// </list>
/// </summary>
internal static class DefaultQueueLocation
{
    public const int Slots = 8;

    /// <summary>The directory for these options under <paramref name="root"/> (LocalApplicationData when null).</summary>
    public static string Directory(KlaviyoDestinationOptions options, string? root = null)
    {
        root ??= Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root))
            throw new KlaviyoConfigurationException(
                "The durable queue has no default location: this user has no local application data folder (HOME or XDG_DATA_HOME is not set). " +
                "Set Klaviyo:QueuePath to a file the app can write, or Klaviyo:QueueStorage to Memory for an ephemeral host.");
        return Path.Combine(AppDirectory(root), Endpoint(options));
    }

    private static string AppDirectory(string root) => Path.Combine(root, "Klaviyo.Destinations", AppName());

    /// <summary>Where versions before 0.2 kept the default queue for these options (keyed by base URL and API key).</summary>
    internal static string LegacyDirectory(KlaviyoDestinationOptions options, string? root = null)
    {
        root ??= Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(AppDirectory(root), LegacyAccount(options));
    }

    /// <summary>Opens the queue in the first free slot of the default directory.</summary>
    public static SqliteEventQueue Open(KlaviyoDestinationOptions options, ILogger logger, TimeProvider time, string? root = null)
    {
        var directory = Directory(options, root);
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KlaviyoConfigurationException(
                $"The durable queue's default directory '{directory}' cannot be created: {ex.Message} " +
                "Set Klaviyo:QueuePath to a file in a directory the app can write (a mounted volume in a container), or Klaviyo:QueueStorage to Memory for an ephemeral host.");
        }
        LegacyQueues.AdoptOrReport(LegacyDirectory(options, root), directory, Slots, logger);
        for (var slot = 1; slot <= Slots; slot++)
        {
            var path = Path.GetFullPath(Path.Combine(directory, slot == 1 ? "queue.db" : $"queue-{slot}.db"));
            var owner = QueueLock.TryAcquire(path);
            if (owner is null) continue;
            var queueOptions = options.CreateDurableQueueOptions();
            queueOptions.Path = path;
            try
            {
                var queue = new SqliteEventQueue(queueOptions, logger, time, owner);
                QueueLog.DefaultQueue(logger, path);
                return queue;
            }
            catch
            {
                owner.Dispose();
                throw;
            }
        }
        throw new KlaviyoConfigurationException(
            $"All {Slots} default durable queues in '{directory}' are open in other instances of this app with the same account. " +
            "Give each instance its own Klaviyo:QueuePath, or set Klaviyo:QueueStorage to Memory where losing undelivered items on a crash is acceptable.");
    }

    private static string AppName()
    {
        var name = Assembly.GetEntryAssembly()?.GetName().Name;
        if (string.IsNullOrWhiteSpace(name)) return "app";
        var safe = new StringBuilder(name.Length);
        foreach (var c in name) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return safe.ToString();
    }

    private static string Endpoint(KlaviyoDestinationOptions options)
    {
        var host = options.BaseUrl.IdnHost;
        var name = options.BaseUrl.IsDefaultPort ? host : $"{host}-{options.BaseUrl.Port}";
        var safe = new StringBuilder(name.Length);
        foreach (var c in name) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_');
        return safe.ToString();
    }

    private static string LegacyAccount(KlaviyoDestinationOptions options)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(options.BaseUrl.AbsoluteUri + "\n" + options.ApiKey));
        return "account-" + Convert.ToHexStringLower(hash.AsSpan(0, 6));
    }
}
