using System.Text.Json.Nodes;

namespace Klaviyo.Emulator;

/// <summary>A snapshot of one profile held by the emulator. Changing the JSON objects does not change the emulator.</summary>
public sealed class EmulatedProfile
{
    internal EmulatedProfile(
        string id,
        IReadOnlyDictionary<string, string> identifiers,
        JsonObject attributes,
        JsonObject location,
        JsonObject properties,
        IReadOnlyDictionary<string, EmulatedConsent> subscriptions,
        IReadOnlyList<string> listIds,
        DateTimeOffset created,
        DateTimeOffset updated)
    {
        Id = id;
        Identifiers = identifiers;
        Attributes = attributes;
        Location = location;
        Properties = properties;
        Subscriptions = subscriptions;
        ListIds = listIds;
        Created = created;
        Updated = updated;
    }

    /// <summary>Klaviyo profile id (26-character ULID-style).</summary>
    public string Id { get; }

    /// <summary>Email, if set.</summary>
    public string? Email => Identifiers.GetValueOrDefault("email");

    /// <summary>Phone number (E.164), if set.</summary>
    public string? PhoneNumber => Identifiers.GetValueOrDefault("phone_number");

    /// <summary>External id, if set.</summary>
    public string? ExternalId => Identifiers.GetValueOrDefault("external_id");

    /// <summary>Anonymous id, if set (events only).</summary>
    public string? AnonymousId => Identifiers.GetValueOrDefault("anonymous_id");

    /// <summary>All identifiers by attribute name.</summary>
    public IReadOnlyDictionary<string, string> Identifiers { get; }

    /// <summary>Standard attributes: <c>first_name</c>, <c>last_name</c>, <c>organization</c>, <c>locale</c>, <c>title</c>, <c>image</c>.</summary>
    public JsonObject Attributes { get; }

    /// <summary>The <c>location</c> object (empty when unset).</summary>
    public JsonObject Location { get; }

    /// <summary>Custom properties.</summary>
    public JsonObject Properties { get; }

    /// <summary>Consent by <c>channel.type</c>, e.g. <c>email.marketing</c>, <c>sms.transactional</c>.</summary>
    public IReadOnlyDictionary<string, EmulatedConsent> Subscriptions { get; }

    /// <summary>Ids of the lists the profile is a member of.</summary>
    public IReadOnlyList<string> ListIds { get; }

    /// <summary>When the profile was created (emulator clock).</summary>
    public DateTimeOffset Created { get; }

    /// <summary>When the profile was last changed (emulator clock).</summary>
    public DateTimeOffset Updated { get; }

    /// <summary>The consent value (<c>SUBSCRIBED</c>/<c>UNSUBSCRIBED</c>) of a channel, or null if never set.</summary>
    /// <param name="channel">Channel, e.g. <c>email</c>.</param>
    /// <param name="type">Type, e.g. <c>marketing</c>.</param>
    public string? ConsentFor(string channel, string type) =>
        Subscriptions.TryGetValue(channel + "." + type, out var c) ? c.Consent : null;

    /// <inheritdoc />
    public override string ToString() => $"profile {Id} {Email ?? PhoneNumber ?? ExternalId}";
}
