using System.Linq;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// Anonymous objects passed through a user's generic method (<c>Send&lt;T&gt;(Analytics a, T p) => a.Track(id, "X", p)</c>,
/// called as <c>Send(analytics, new { … })</c>): inside the helper no interceptor can see the shape, so the shape's mapper is
/// registered with the runtime's mapper registry from a module initializer (in the shape's file, <see cref="ShapePipeline"/>);
/// the runtime then finds it by the payload's type, without reflection. Helpers are followed through any number of levels.
/// </summary>
internal static class HelperPipeline
{
    public static IncrementalValuesProvider<HelperRegistrationModel> Register(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<GeneratorOptions> options)
    {
        var helpers = context.SyntaxProvider
            .CreateSyntaxProvider(HelperParser.IsGenericMethod, HelperParser.ParseHelper)
            .Where(static h => h is not null)
            .Select(static (h, _) => h!)
            .WithTrackingName(TrackingNames.GenericHelpers);

        // The helper graph is small (generic methods that reach Analytics): closed once, compared by value.
        var reach = helpers.Collect()
            .Select(static (all, _) => GenericHelperFlows.Close(all.SelectMany(h => h.Flows)).ToEquatableArray())
            .WithTrackingName(TrackingNames.HelperReach);

        var calls = context.SyntaxProvider
            .CreateSyntaxProvider(HelperParser.HasAnonymousObject, HelperParser.ParseCalls)
            .SelectMany(static (c, _) => c)
            .WithTrackingName(TrackingNames.HelperCalls);

        var registrations = calls.Combine(reach).Combine(options)
            .Select(static (pair, _) => Registration(pair.Left.Left, pair.Left.Right, pair.Right))
            .WithTrackingName(TrackingNames.HelperRegistrations);

        return registrations
            .Where(static r => r is not null)
            .Select(static (r, _) => r!);
    }

    private static HelperRegistrationModel? Registration(HelperCallModel call, EquatableArray<HelperReach> reach, GeneratorOptions options)
    {
        if (!options.HasModuleInitializer) return null;
        foreach (var r in reach)
        {
            if (r.Helper != call.Callee || r.Ordinal != call.Ordinal) continue;
            var profile = (r.Targets & HelperTargets.Profile) != 0;
            var events = (r.Targets & (HelperTargets.Event | HelperTargets.EventWithoutName)) != 0;
            return new HelperRegistrationModel(call.Payload, profile, events, call.MethodName, call.DisplayLocation);
        }
        return null;
    }
}
