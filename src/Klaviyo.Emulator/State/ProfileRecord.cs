using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>A stored profile (mutable; guarded by <see cref="EmulatorStore.Sync"/>).</summary>
internal sealed class ProfileRecord
{
    public ProfileRecord(string id, long sequence, DateTimeOffset created)
    {
        Id = id;
        Sequence = sequence;
        Created = created;
        Updated = created;
    }

    public string Id { get; }

    /// <summary>Creation order (timestamps tie under a frozen fake clock).</summary>
    public long Sequence { get; }

    /// <summary>Identifiers by attribute name: <c>email</c>, <c>phone_number</c>, <c>external_id</c>, <c>anonymous_id</c>, <c>_kx</c>.</summary>
    public Dictionary<string, string> Identifiers { get; } = new(StringComparer.Ordinal);

    /// <summary>Standard attributes (<c>first_name</c>, <c>last_name</c>, <c>organization</c>, <c>locale</c>, <c>title</c>, <c>image</c>).</summary>
    public JsonObject Attributes { get; } = [];

    public JsonObject Location { get; } = [];

    public JsonObject Properties { get; } = [];

    /// <summary>Consent by <c>channel.type</c>, e.g. <c>email.marketing</c>.</summary>
    public Dictionary<string, EmulatedConsent> Subscriptions { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset Created { get; }

    public DateTimeOffset Updated { get; set; }

    public DateTimeOffset? LastEventDate { get; set; }

    public string? Email => Identifiers.GetValueOrDefault(ProfileFields.Email);

    public string? PhoneNumber => Identifiers.GetValueOrDefault(ProfileFields.PhoneNumber);

    public string? ExternalId => Identifiers.GetValueOrDefault(ProfileFields.ExternalId);
}
