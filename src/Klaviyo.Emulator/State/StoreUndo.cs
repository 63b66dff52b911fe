using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>
/// What a bulk job (or one row of a profile import) changed, so that a failure inside its apply step can be rolled
/// back: profiles created since it began are removed, the profiles it touched get their earlier state back (before-images
/// taken on first touch through <see cref="EmulatorStore.Protect"/>), and the events, metrics and list entries it added
/// are taken out. Disposing without <see cref="Rollback"/> keeps the changes (commit). Call with the store lock held.
/// </summary>
internal sealed class StoreUndo : IDisposable
{
    private readonly EmulatorStore _store;
    private readonly long _sequence;
    private readonly int _events;
    private readonly HashSet<string> _metrics;
    private readonly Dictionary<string, Image> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<(ListRecord List, string ProfileId), (DateTimeOffset? Member, DateTimeOffset? Pending)> _memberships = [];

    public StoreUndo(EmulatorStore store)
    {
        _store = store;
        _sequence = store.LastSequence;
        _events = store.Events.Count;
        _metrics = [.. store.MetricIdsByName.Keys];
    }

    /// <summary>Keeps the state of a profile that existed before this began, once.</summary>
    public void Protect(ProfileRecord profile)
    {
        if (profile.Sequence > _sequence || _profiles.ContainsKey(profile.Id))
        {
            return;
        }

        _profiles[profile.Id] = new Image(
            profile,
            new Dictionary<string, string>(profile.Identifiers, StringComparer.Ordinal),
            (JsonObject)profile.Attributes.DeepClone(),
            (JsonObject)profile.Location.DeepClone(),
            (JsonObject)profile.Properties.DeepClone(),
            new Dictionary<string, EmulatedConsent>(profile.Subscriptions, StringComparer.Ordinal),
            profile.Updated,
            profile.LastEventDate);
    }

    /// <summary>Keeps whether <paramref name="profileId"/> was a member (or pending) of <paramref name="list"/>, once.</summary>
    public void ProtectMembership(ListRecord list, string profileId) =>
        _memberships.TryAdd((list, profileId), (
            list.Members.TryGetValue(profileId, out var joined) ? joined : null,
            list.Pending.TryGetValue(profileId, out var asked) ? asked : null));

    /// <summary>Puts the store back as it was when this began.</summary>
    public void Rollback()
    {
        for (var i = _store.Events.Count - 1; i >= _events; i--)
        {
            var e = _store.Events[i];
            _store.EventKeys.Remove(EventIngestor.Key(e.ProfileId, e.MetricName, e.UniqueId, e.Time));
            _store.Events.RemoveAt(i);
        }

        foreach (var name in _store.MetricIdsByName.Keys.Where(n => !_metrics.Contains(n)).ToArray())
        {
            _store.MetricIdsByName.Remove(name);
        }

        foreach (var created in _store.Profiles.Values.Where(p => p.Sequence > _sequence).ToArray())
        {
            _store.DeleteProfile(created);
        }

        // Identifiers first come off every touched profile, then go back: two profiles may have swapped one.
        foreach (var image in _profiles.Values)
        {
            foreach (var identifier in image.Profile.Identifiers.Keys.ToArray())
            {
                _store.SetIdentifier(image.Profile, identifier, null);
            }
        }

        foreach (var image in _profiles.Values)
        {
            var profile = image.Profile;
            foreach (var (identifier, value) in image.Identifiers)
            {
                _store.SetIdentifier(profile, identifier, value);
            }

            Restore(profile.Attributes, image.Attributes);
            Restore(profile.Location, image.Location);
            Restore(profile.Properties, image.Properties);
            profile.Subscriptions.Clear();
            foreach (var (key, consent) in image.Subscriptions)
            {
                profile.Subscriptions[key] = consent;
            }

            profile.Updated = image.Updated;
            profile.LastEventDate = image.LastEventDate;
        }

        foreach (var ((list, profileId), (member, pending)) in _memberships)
        {
            Put(list.Members, profileId, member);
            Put(list.Pending, profileId, pending);
        }
    }

    public void Dispose() => _store.EndUndo(this);

    private static void Restore(JsonObject target, JsonObject image)
    {
        target.Clear();
        foreach (var (key, value) in image)
        {
            target[key] = value?.DeepClone();
        }
    }

    private static void Put(Dictionary<string, DateTimeOffset> entries, string profileId, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            entries[profileId] = time;
        }
        else
        {
            entries.Remove(profileId);
        }
    }

    private sealed record Image(ProfileRecord Profile, Dictionary<string, string> Identifiers, JsonObject Attributes, JsonObject Location,
        JsonObject Properties, Dictionary<string, EmulatedConsent> Subscriptions, DateTimeOffset Updated, DateTimeOffset? LastEventDate);
}
