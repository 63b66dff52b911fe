namespace Klaviyo.Destinations.Generators.Model;

/// <summary>A generic method of the compilation and where its type parameters go (to Analytics, or to another helper).</summary>
internal sealed record HelperMethodModel(string Key, EquatableArray<HelperFlow> Flows);

/// <summary>
/// A call of a generic method of the compilation with an anonymous type argument (<c>Send(analytics, new { … })</c>):
/// which helper and type parameter receive the shape, and the shape itself.
/// </summary>
internal sealed record HelperCallModel(string Callee, int Ordinal, string MethodName, string DisplayLocation, AnonymousPayloadModel Payload);

/// <summary>
/// A shape that reaches Analytics through a generic helper: its mapper (in the shape's file) is registered with the
/// runtime from a module initializer, as a profile mapper, an event mapper or both (what the helper passes it to).
/// </summary>
internal sealed record HelperRegistrationModel(AnonymousPayloadModel Payload, bool Profile, bool Event, string MethodName, string DisplayLocation)
{
    /// <summary>A short stable key of the call's location.</summary>
    public string SiteKey => Interceptors.AnonymousPayloadParser.StableKey(DisplayLocation);
}
