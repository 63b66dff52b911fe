namespace Klaviyo.Destinations.Generators.Model;

/// <summary>
/// One use of an anonymous shape: an intercepted call (<c>i:</c> site) or a call of a generic helper (<c>h:</c> site,
/// with what the mapper must be registered as). Small on purpose: only these are collected.
/// </summary>
internal sealed record ShapeUseModel(string Key, string Site, bool Profile, bool Event);

/// <summary>
/// Which use writes a shape's file (the first site in ordinal order, so the choice does not depend on the order files are
/// read in) and what the shape's mapper is registered as (the union over its helper uses).
/// </summary>
internal sealed record ShapeOwnerModel(string Key, string Site, bool Profile, bool Event);

/// <summary>One anonymous shape's file: its reflection-free mapper, and its registration when a helper passes it on.</summary>
internal sealed record ShapeFileModel(AnonymousPayloadModel Payload, bool RegisterProfile, bool RegisterEvent)
{
    public string HintName => "Klaviyo.Destinations.Generated.AnonymousShape_" + Payload.Key + ".g.cs";

    /// <summary>The internal class that holds the shape's mapper (referenced by the interceptors).</summary>
    public static string ClassName(string key) => "KlaviyoAnonymousShape_" + key;
}
