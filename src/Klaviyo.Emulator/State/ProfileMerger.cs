using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;

namespace Klaviyo.Emulator.State;

/// <summary>
/// Creates or updates a profile from a profile resource (<c>type</c>/<c>id</c>/<c>attributes</c>/<c>meta</c>), merging by
/// identifiers in the order email, phone_number, external_id, anonymous_id, _kx. Call with the store lock held.
/// </summary>
internal static class ProfileMerger
{
    /// <param name="store">The store (lock held).</param>
    /// <param name="data">The profile resource object.</param>
    /// <param name="pointer">JSON pointer of <paramref name="data"/> in the request, for error pointers.</param>
    /// <param name="nullsClear">True for profile-import: a present null clears the field. False ignores nulls (bulk import, events).</param>
    /// <param name="conflictThrows">True answers 409 <c>duplicate_profile</c> when identifiers belong to two profiles; false keeps the first match and leaves the conflicting identifier unchanged.</param>
    public static (ProfileRecord Profile, bool Created) Upsert(EmulatorStore store, JsonObject data, string pointer, bool nullsClear, bool conflictThrows)
    {
        var attributes = data["attributes"] as JsonObject ?? [];
        var target = FindTarget(store, data, attributes, pointer, conflictThrows, out var skip);
        var created = target is null;
        if (target is not null)
        {
            store.Protect(target);
        }

        target ??= store.CreateProfile();

        foreach (var identifier in ProfileFields.Identifiers)
        {
            if (skip.Contains(identifier) || !attributes.TryGetPropertyValue(identifier, out var node))
            {
                continue;
            }

            var text = node?.GetValue<string>();
            if (!string.IsNullOrEmpty(text))
            {
                store.SetIdentifier(target, identifier, text);
            }
            else if (nullsClear)
            {
                store.SetIdentifier(target, identifier, null);
            }
        }

        foreach (var name in ProfileFields.Standard)
        {
            if (attributes.TryGetPropertyValue(name, out var node))
            {
                SetOrClear(target.Attributes, name, node, nullsClear);
            }
        }

        if (attributes.TryGetPropertyValue(ProfileFields.Location, out var location))
        {
            MergeObject(target.Location, location as JsonObject, nullsClear);
        }

        if (attributes.TryGetPropertyValue(ProfileFields.Properties, out var properties))
        {
            MergeObject(target.Properties, properties as JsonObject, nullsClear);
        }

        // /api/events puts meta inside attributes; every other schema has it beside attributes.
        var meta = data["meta"] as JsonObject ?? attributes["meta"] as JsonObject;
        if (meta?["patch_properties"] is JsonObject patch)
        {
            ApplyPatch(target.Properties, patch);
        }

        target.Updated = store.Now;
        return (target, created);
    }

    private static ProfileRecord? FindTarget(EmulatorStore store, JsonObject data, JsonObject attributes, string pointer, bool conflictThrows, out HashSet<string> skip)
    {
        skip = new HashSet<string>(StringComparer.Ordinal);
        ProfileRecord? target = null;
        if (data["id"] is JsonValue idNode && idNode.GetValue<string>() is { Length: > 0 } id)
        {
            target = store.Profiles.GetValueOrDefault(id)
                ?? throw ApiProblemException.NotFound($"A profile with id '{id}' does not exist.", pointer + "/id");
        }

        foreach (var identifier in ProfileFields.Identifiers)
        {
            if (attributes[identifier] is not JsonValue v || v.GetValue<string>() is not { Length: > 0 } value)
            {
                continue;
            }

            var match = store.FindBy(identifier, value);
            if (match is null || match == target)
            {
                continue;
            }

            if (target is null)
            {
                target = match;
                continue;
            }

            if (conflictThrows)
            {
                throw new ApiProblemException(new KlaviyoApiError(409, "duplicate_profile", "Conflict.",
                    $"A profile already exists with {identifier} '{value}'; it is not the profile matched by the other identifiers.",
                    Pointer: pointer + "/attributes/" + identifier,
                    DuplicateProfileId: match.Id));
            }

            skip.Add(identifier);
        }

        return target;
    }

    private static void SetOrClear(JsonObject target, string name, JsonNode? value, bool nullsClear)
    {
        if (value is not null)
        {
            target[name] = value.DeepClone();
        }
        else if (nullsClear)
        {
            target.Remove(name);
        }
    }

    private static void MergeObject(JsonObject target, JsonObject? source, bool nullsClear)
    {
        if (source is null)
        {
            if (nullsClear)
            {
                target.Clear();
            }

            return;
        }

        foreach (var (key, value) in source)
        {
            SetOrClear(target, key, value, nullsClear);
        }
    }

    /// <summary>Applies <c>meta.patch_properties</c>: <c>append</c>, <c>unappend</c> and <c>unset</c>.</summary>
    internal static void ApplyPatch(JsonObject properties, JsonObject patch)
    {
        if (patch["append"] is JsonObject append)
        {
            foreach (var (key, value) in append)
            {
                var array = properties[key] as JsonArray;
                if (array is null)
                {
                    array = [];
                    if (properties[key] is { } scalar)
                    {
                        array.Add(scalar.DeepClone());
                    }

                    properties[key] = array;
                }

                foreach (var item in Items(value))
                {
                    array.Add(item?.DeepClone());
                }
            }
        }

        if (patch["unappend"] is JsonObject unappend)
        {
            foreach (var (key, value) in unappend)
            {
                if (properties[key] is JsonArray existing)
                {
                    foreach (var item in Items(value))
                    {
                        for (var i = existing.Count - 1; i >= 0; i--)
                        {
                            if (JsonNode.DeepEquals(existing[i], item))
                            {
                                existing.RemoveAt(i);
                            }
                        }
                    }
                }
            }
        }

        switch (patch["unset"])
        {
            case JsonValue single when single.TryGetValue<string>(out var key):
                properties.Remove(key);
                break;
            case JsonArray keys:
                foreach (var k in keys)
                {
                    if (k is JsonValue kv && kv.TryGetValue<string>(out var name))
                    {
                        properties.Remove(name);
                    }
                }

                break;
        }
    }

    private static IEnumerable<JsonNode?> Items(JsonNode? value) => value is JsonArray a ? a.ToArray() : [value];
}
