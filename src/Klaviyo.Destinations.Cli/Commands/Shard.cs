using System.Globalization;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// <c>--shard K/N</c>: this worker sends the lines of one person in N (the FNV-1a hash of the first message's userId,
/// else anonymousId, picks the shard), so several workers can backfill one file together while each person's messages
/// stay in order within one worker; lines without either id are shared out by line number.
/// </summary>
internal sealed record Shard(int Index, int Count)
{
    public static Shard Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index >= 1 && index <= count)
            return new Shard(index, count);
        throw new UsageException($"--shard '{text}' is not K/N with 1 ≤ K ≤ N (e.g. --shard 2/4: the second of four workers).");
    }

    /// <summary>Whether this worker sends the line numbered <paramref name="number"/> whose first message is <paramref name="first"/>.</summary>
    public bool Owns(long number, AnalyticsMessage? first)
    {
        if (Count == 1) return true;
        var person = first?.UserId is { Length: > 0 } userId ? "u:" + userId : first?.AnonymousId is { Length: > 0 } anonymousId ? "a:" + anonymousId : null;
        var bucket = person is null ? (ulong)(number % Count) : Fnv1a(person) % (ulong)Count;
        return (int)bucket == Index - 1;
    }

    /// <summary>The checkpoint path of this shard (each worker keeps its own progress).</summary>
    public string CheckpointPath(string input) => Count == 1 ? input + ".checkpoint" : $"{input}.shard-{Index}-of-{Count}.checkpoint";

    public override string ToString() => $"{Index}/{Count}";

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
