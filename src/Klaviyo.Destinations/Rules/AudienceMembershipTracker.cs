namespace Klaviyo.Destinations.Rules;

/// <summary>
/// The last-known membership of each person in each computed audience (bounded), so an Identify that repeats an
/// unchanged membership sends nothing for it. Recorded when the Identify is accepted, not when Klaviyo confirms it.
/// </summary>
internal sealed class AudienceMembershipTracker(int capacity)
{
    private const char Separator = '\u001F';
    private readonly BoundedCache<string, bool> _known = new(capacity, StringComparer.Ordinal);

    public bool IsUnchanged(string person, string audience, bool member) =>
        _known.TryGet(Key(person, audience), out var known) && known == member;

    public void Record(string person, string audience, bool member) => _known.Set(Key(person, audience), member);

    /// <summary>Forgets everything known about a person (their profile was deleted).</summary>
    public void Forget(string person)
    {
        var prefix = person + Separator;
        _known.RemoveWhere((key, _) => key.StartsWith(prefix, StringComparison.Ordinal));
    }

    private static string Key(string person, string audience) => person + Separator + audience.ToUpperInvariant();
}
