using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>Applies bulk subscribe / unsubscribe rows to profiles, per channel and consent type. Call with the store lock held.</summary>
internal static class ConsentManager
{
    /// <summary>Subscribes one profile row; creates the profile when none matches and adds it to the list if one is given.</summary>
    public static void Subscribe(EmulatorStore store, JsonObject row, ListRecord? list, string? customSource)
    {
        var (profile, _) = ProfileMerger.Upsert(store, row, string.Empty, nullsClear: false, conflictThrows: false);
        foreach (var (channel, type, consent, consentedAt) in Channels(row))
        {
            profile.Subscriptions[channel + "." + type] = new EmulatedConsent(channel, type, consent, consentedAt ?? store.Now, list?.Id, customSource);
        }

        if (list is not null)
        {
            list.Members.TryAdd(profile.Id, store.Now);
        }

        profile.Updated = store.Now;
    }

    /// <summary>
    /// Unsubscribes one profile row. With a list the profile is in, it leaves that list and keeps its global consent;
    /// without a list, or with a list it is not in, the channels are unsubscribed globally (the spec's warning).
    /// </summary>
    public static void Unsubscribe(EmulatorStore store, JsonObject row, ListRecord? list)
    {
        var (profile, _) = ProfileMerger.Upsert(store, row, string.Empty, nullsClear: false, conflictThrows: false);
        if (list is not null && list.Members.Remove(profile.Id))
        {
            profile.Updated = store.Now;
            return;
        }

        foreach (var (channel, type, consent, _) in Channels(row))
        {
            profile.Subscriptions[channel + "." + type] = new EmulatedConsent(channel, type, consent, store.Now, list?.Id, null);
        }

        profile.Updated = store.Now;
    }

    private static IEnumerable<(string Channel, string Type, string Consent, DateTimeOffset? ConsentedAt)> Channels(JsonObject row)
    {
        if (row["attributes"]?["subscriptions"] is not JsonObject subscriptions)
        {
            yield break;
        }

        foreach (var (channel, channelNode) in subscriptions)
        {
            if (channelNode is not JsonObject types)
            {
                continue;
            }

            foreach (var (type, typeNode) in types)
            {
                if (typeNode?["consent"]?.GetValue<string>() is { } consent)
                {
                    yield return (channel, type, consent, EventIngestor.ParseTime(typeNode["consented_at"]));
                }
            }
        }
    }
}
