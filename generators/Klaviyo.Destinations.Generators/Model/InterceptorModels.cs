namespace Klaviyo.Destinations.Generators.Model;

/// <summary>
/// One intercepted call: an <c>Analytics</c> method called with an anonymous-object payload. Value-equatable; the
/// location is kept as the encoded <c>[InterceptsLocation(version, data)]</c> arguments, never as a <c>Location</c>.
/// </summary>
internal sealed record InterceptedCallModel(InterceptedMethodModel Method, int LocationVersion, string LocationData, string DisplayLocation, AnonymousPayloadModel Payload);

/// <summary>The signature of an intercepted <c>Analytics</c> overload, as generated code writes it.</summary>
/// <param name="Name">The method name (<c>Track</c>, <c>IdentifyAsync</c>, …).</param>
/// <param name="ReturnType">Fully qualified return type.</param>
/// <param name="Parameters">Each parameter as <c>type name</c>, fully qualified with nullable annotations.</param>
/// <param name="PayloadIndex">The index of the generic payload parameter.</param>
/// <param name="TypeParameter">The name of the method's type parameter.</param>
internal sealed record InterceptedMethodModel(string Name, string ReturnType, EquatableArray<ParameterModel> Parameters, int PayloadIndex, string TypeParameter);

/// <summary>A parameter of an intercepted method.</summary>
internal sealed record ParameterModel(string Type, string Name);

/// <summary>
/// An anonymous payload type: a prototype expression that has the same type (anonymous types with the same member
/// names, types and order are one type in an assembly), and its members classified both as profile traits and as event
/// properties (one shape may be passed to Identify and to Track).
/// </summary>
internal sealed record AnonymousPayloadModel(
    string Key,
    string Prototype,
    EquatableArray<string> PrototypeHelpers,
    EquatableArray<MemberModel> ProfileMembers,
    EquatableArray<MemberModel> EventMembers,
    EquatableArray<ObjectTypeModel> ObjectTypes,
    EquatableArray<AnonymousObjectModel> AnonymousObjects,
    EquatableArray<EnumModel> Enums);

/// <summary>A nested anonymous object written as JSON: its helper key and a prototype of its type.</summary>
internal sealed record AnonymousObjectModel(string Key, string Prototype);

/// <summary>
/// The interceptor of one call site. Its shape's mapper lives in the shape's own file (<see cref="ShapeFileModel"/>),
/// written once however many calls pass that shape.
/// </summary>
internal sealed record InterceptorSiteModel(string ShapeKey, InterceptorModel Interceptor)
{
    /// <summary>A short stable key of the call's location.</summary>
    public string SiteKey => Interceptors.AnonymousPayloadParser.StableKey(Interceptor.Locations[0].Display);

    /// <summary>Named after the shape and the call site's position (stable while the lines above it are).</summary>
    public string HintName => "Klaviyo.Destinations.Generated.AnonymousPayload_" + ShapeKey + "_" + SiteKey + ".g.cs";
}

/// <summary>One interceptor method: an overload and the call sites it replaces.</summary>
internal sealed record InterceptorModel(InterceptedMethodModel Method, EquatableArray<CallLocationModel> Locations);

/// <summary>An encoded call location and its human-readable form (for a comment in the generated code).</summary>
internal sealed record CallLocationModel(int Version, string Data, string Display);
