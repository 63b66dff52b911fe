namespace Klaviyo.Destinations;

/// <summary>One row of a trait table: a source key and the Klaviyo profile field it fills.</summary>
public sealed class TraitMapping
{
    /// <summary>Creates a row.</summary>
    public TraitMapping(string key, ProfileField field, TraitSource source)
    {
        Key = key;
        Field = field;
        Source = source;
    }

    /// <summary>The exact key as it appears in a traits dictionary (case-sensitive), e.g. <c>firstName</c>.</summary>
    public string Key { get; }

    /// <summary>The Klaviyo field it fills.</summary>
    public ProfileField Field { get; }

    /// <summary>Which integrations document the key.</summary>
    public TraitSource Source { get; }
}
