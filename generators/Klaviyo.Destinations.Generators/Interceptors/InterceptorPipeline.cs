using Klaviyo.Destinations.Generators.Emitting;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// The interceptor half of the generator: every <c>Analytics.Identify/Track/Page/Screen/Audience*</c> call whose
/// payload is an anonymous object is replaced, at compile time, by a call that carries a reflection-free mapper
/// generated for that shape. One file per call site, so adding or removing a call site touches only its own file.
/// </summary>
internal static class InterceptorPipeline
{
    public static void Register(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<GeneratorOptions> options)
    {
        var calls = context.SyntaxProvider
            .CreateSyntaxProvider(CallSiteParser.IsCandidate, CallSiteParser.Parse)
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .WithTrackingName(TrackingNames.InterceptedCalls);

        // One output per call site, not per shape: grouping would need Collect, and then adding one call site would
        // re-run the emission of every other (the collected items shift). A shape used at several sites gets identical
        // file-local mappers, one per site.
        var mappers = calls
            .Select(static (c, _) => new AnonymousMapperModel(c.Payload, new[]
            {
                new InterceptorModel(c.Method, new[] { new CallLocationModel(c.LocationVersion, c.LocationData, c.DisplayLocation) }.ToEquatableArray()),
            }.ToEquatableArray()))
            .WithTrackingName(TrackingNames.AnonymousMappers);

        context.RegisterSourceOutput(mappers.Combine(options), static (spc, pair) =>
            spc.AddSource(pair.Left.HintName, SourceText.From(InterceptorEmitter.Emit(pair.Left, pair.Right), System.Text.Encoding.UTF8)));
    }
}
