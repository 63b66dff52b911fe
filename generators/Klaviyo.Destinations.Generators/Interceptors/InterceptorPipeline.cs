using Klaviyo.Destinations.Generators.Emitting;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// The interceptor half of the generator: every <c>Analytics.Identify/Track/Page/Screen/Audience*</c> call whose
/// payload is an anonymous object is replaced, at compile time, by a call that carries the reflection-free mapper of
/// that shape. One interceptor file per call site, so adding or removing a call site touches only its own file; the
/// mappers are written once per shape by <see cref="ShapePipeline"/>.
/// </summary>
internal static class InterceptorPipeline
{
    public static IncrementalValuesProvider<InterceptedCallModel> Register(IncrementalGeneratorInitializationContext context)
    {
        var calls = context.SyntaxProvider
            .CreateSyntaxProvider(CallSiteParser.IsCandidate, CallSiteParser.Parse)
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .WithTrackingName(TrackingNames.InterceptedCalls);

        var interceptors = calls
            .Select(static (c, _) => new InterceptorSiteModel(c.Payload.Key,
                new InterceptorModel(c.Method, new[] { new CallLocationModel(c.LocationVersion, c.LocationData, c.DisplayLocation) }.ToEquatableArray())))
            .WithTrackingName(TrackingNames.Interceptors);

        context.RegisterSourceOutput(interceptors, static (spc, site) =>
            spc.AddSource(site.HintName, SourceText.From(InterceptorEmitter.EmitInterceptor(site), System.Text.Encoding.UTF8)));
        return calls;
    }
}
