using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>Applies bulk subscribe / unsubscribe rows to profiles, per channel and consent type. Call with the store lock held.</summary>
internal static class ConsentManager
{
    /// <summary>
    /// Subscribes one profile row; creates the profile when none matches and adds it to the list if one is given.
    /// Email marketing consent to a double opt-in list stays pending (not subscribed, not a member) until
    /// <see cref="Confirm"/>, unless <paramref name="autoConfirm"/>.
    /// </summary>
    public static void Subscribe(EmulatorStore store, JsonObject row, ListRecord? list, string? customSource, bool autoConfirm)
    {
        var (profile, _) = ProfileMerger.Upsert(store, row, string.Empty, nullsClear: false, conflictThrows: false);
        if (list is not null)
        {
            store.ProtectMembership(list, profile.Id);
        }

        var pending = false;
        foreach (var (channel, type, consent, consentedAt) in Channels(row))
        {
            if (list is { OptInProcess: "double_opt_in" } && channel == "email" && type == "marketing" && consent == "SUBSCRIBED"
                && consentedAt is null && !autoConfirm
                && profile.Subscriptions.GetValueOrDefault("email.marketing")?.Consent != "SUBSCRIBED")
            {
                pending = true;
                continue;
            }

            profile.Subscriptions[channel + "." + type] = new EmulatedConsent(channel, type, consent, consentedAt ?? store.Now, list?.Id, customSource)
            {
                DoubleOptIn = list is { OptInProcess: "double_opt_in" } && channel == "email" && type == "marketing",
            };
        }

        if (pending)
        {
            list!.Pending.TryAdd(profile.Id, store.Now);
        }
        else if (list is not null)
        {
            list.Members.TryAdd(profile.Id, store.Now);
        }

        profile.Updated = store.Now;
    }

    /// <summary>
    /// Confirms pending double opt-ins (all, or those of one profile and/or list): email marketing becomes
    /// <c>SUBSCRIBED</c> and the profile joins the list. Returns how many were confirmed.
    /// </summary>
    public static int Confirm(EmulatorStore store, string? profile, string? listId)
    {
        var profileId = profile is null ? null
            : store.Profiles.ContainsKey(profile) ? profile
            : ProfileFields.Identifiers.Select(i => store.FindBy(i, profile)).FirstOrDefault(p => p is not null)?.Id ?? string.Empty;
        var confirmed = 0;
        foreach (var list in store.Lists.Values.Where(l => listId is null || l.Id == listId))
        {
            foreach (var id in list.Pending.Keys.Where(id => profileId is null || id == profileId).ToArray())
            {
                list.Pending.Remove(id);
                if (!store.Profiles.TryGetValue(id, out var record))
                {
                    continue;
                }

                record.Subscriptions["email.marketing"] = new EmulatedConsent("email", "marketing", "SUBSCRIBED", store.Now, list.Id, null) { DoubleOptIn = true };
                list.Members.TryAdd(id, store.Now);
                record.Updated = store.Now;
                confirmed++;
            }
        }

        return confirmed;
    }

    /// <summary>
    /// Unsubscribes one profile row. With a list the profile is in, it leaves that list and keeps its global consent;
    /// without a list, or with a list it is not in, the channels are unsubscribed globally (the spec's warning).
    /// </summary>
    public static void Unsubscribe(EmulatorStore store, JsonObject row, ListRecord? list)
    {
        var (profile, _) = ProfileMerger.Upsert(store, row, string.Empty, nullsClear: false, conflictThrows: false);
        if (list is not null)
        {
            store.ProtectMembership(list, profile.Id);
        }

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
