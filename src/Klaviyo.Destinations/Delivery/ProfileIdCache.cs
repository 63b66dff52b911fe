using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>
/// Klaviyo profile ids by email (case-insensitive), phone number and external id, so list membership changes and
/// deletions need no look-up for people seen before. Filled from single profile upserts (<c>data.id</c> of
/// <c>/api/profile-import</c>) and from look-ups; bounded (least recently used entries go first).
/// </summary>
internal sealed class ProfileIdCache(int capacity)
{
    private readonly BoundedCache<string, string> _ids = new(capacity, StringComparer.Ordinal);

    public int Count => _ids.Count;

    public bool TryGet(string field, string value, out string id) => _ids.TryGet(Key(field, value), out id);

    public void Remember(string field, string? value, string id)
    {
        if (!string.IsNullOrEmpty(value)) _ids.Set(Key(field, value), id);
    }

    /// <summary>Remembers a profile resource (<c>{"type":"profile","id":…,"attributes":{…}}</c>) under each of its identifiers.</summary>
    public string? Remember(JsonElement resource)
    {
        if (Mapping.JsonText.Member(resource, "id") is not { } id) return null;
        if (resource.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in (ReadOnlySpan<string>)["email", "phone_number", "external_id"])
                Remember(field, Mapping.JsonText.Member(attributes, field), id);
        }
        return id;
    }

    /// <summary>Remembers the profile of a <c>/api/profile-import</c> answer (<c>{"data":{…}}</c>); returns its id.</summary>
    public string? RememberAnswer(byte[] body)
    {
        if (body.Length == 0) return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("data", out var data) ? Remember(data) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Forgets a profile (deleted, or Klaviyo no longer knows the id).</summary>
    public void Forget(string id) => _ids.RemoveWhere((_, value) => value == id);

    private static string Key(string field, string value) => field switch
    {
        "email" => "e:" + value.ToLowerInvariant(),
        "phone_number" => "p:" + value,
        _ => "x:" + value,
    };
}
