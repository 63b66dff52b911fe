using System.Text;

namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>Queue items for the queue tests: person <c>user</c>'s <c>n</c>-th event of metric <c>metric</c>.</summary>
internal static class QueueItems
{
    public static QueuedItem Event(string user, int n, string metric) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"{user}/{n}",
        UserId = user,
        UserKey = user,
        Profile = Encoding.UTF8.GetBytes($$"""{"external_id":"{{user}}"}"""),
        Properties = Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""),
        Metric = metric,
        UniqueId = $"{user}-{n}",
    };
}
