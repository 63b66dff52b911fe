namespace Klaviyo.Destinations.Generators;

/// <summary>Names of the pipeline steps, asserted Cached/Unchanged by the incrementality tests.</summary>
internal static class TrackingNames
{
    public const string ProfileModels = nameof(ProfileModels);
    public const string EventModels = nameof(EventModels);
    public const string Options = nameof(Options);
    public const string AllMappers = nameof(AllMappers);
    public const string LookupTargets = nameof(LookupTargets);
    public const string InterceptedCalls = nameof(InterceptedCalls);
    public const string Interceptors = nameof(Interceptors);
    public const string ShapeOwners = nameof(ShapeOwners);
    public const string ShapeFiles = nameof(ShapeFiles);
    public const string GenericHelpers = nameof(GenericHelpers);
    public const string HelperReach = nameof(HelperReach);
    public const string HelperCalls = nameof(HelperCalls);
    public const string HelperRegistrations = nameof(HelperRegistrations);
}
