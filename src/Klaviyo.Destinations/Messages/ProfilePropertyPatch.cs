namespace Klaviyo.Destinations;

/// <summary>
/// Changes to a profile's custom properties that do not overwrite them (Klaviyo's <c>meta.patch_properties</c> on the
/// profile upsert): add values to a list-valued property, remove values from one, or remove properties. Set it on
/// <see cref="MessageOptions.PatchProperties"/> of an <c>Identify</c> call (NDJSON: <c>integrations.Klaviyo.patchProperties</c>).
/// Keys are custom property names (a leading <c>$</c> is removed, as for traits). A key that names a Klaviyo profile
/// field (<c>email</c>, <c>first_name</c>, …), a key used by two operations, or a value JSON cannot carry makes the
/// Identify rejected with the reason.
/// </summary>
public sealed class ProfilePropertyPatch
{
    /// <summary>Values to add to list-valued custom properties (a value or a list of values per property).</summary>
    public IReadOnlyDictionary<string, object?>? Append { get; init; }

    /// <summary>Values to remove from list-valued custom properties (a value or a list of values per property).</summary>
    public IReadOnlyDictionary<string, object?>? Unappend { get; init; }

    /// <summary>Custom properties to remove from the profile.</summary>
    public IReadOnlyList<string>? Unset { get; init; }

    /// <summary>True when no operation is given.</summary>
    public bool IsEmpty => (Append?.Count ?? 0) == 0 && (Unappend?.Count ?? 0) == 0 && (Unset?.Count ?? 0) == 0;
}
