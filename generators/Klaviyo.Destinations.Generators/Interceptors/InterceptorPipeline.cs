using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators.Emitting;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// The interceptor half of the generator: every <c>Analytics.Identify/Track/Page/Screen/Audience*</c> call whose
/// payload is an anonymous object is replaced, at compile time, by a call that carries a reflection-free mapper
/// generated for that shape. One file per shape, so adding or removing a call site touches only its shape's file.
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

        var mappers = calls.Collect()
            .SelectMany(static (all, _) => Group(all))
            .WithTrackingName(TrackingNames.AnonymousMappers);

        context.RegisterSourceOutput(mappers.Combine(options), static (spc, pair) =>
            spc.AddSource(pair.Left.HintName, SourceText.From(InterceptorEmitter.Emit(pair.Left, pair.Right), System.Text.Encoding.UTF8)));
    }

    /// <summary>Call sites grouped by payload shape, then by called overload; everything in a deterministic order.</summary>
    private static ImmutableArray<AnonymousMapperModel> Group(ImmutableArray<InterceptedCallModel> calls) => calls
        .GroupBy(c => c.Payload)
        .Select(shape => new AnonymousMapperModel(shape.Key, shape
            .GroupBy(c => c.Method)
            .Select(overload => new InterceptorModel(overload.Key, overload
                .Select(c => new CallLocationModel(c.LocationVersion, c.LocationData, c.DisplayLocation))
                .Distinct()
                .OrderBy(l => l.Display, System.StringComparer.Ordinal).ThenBy(l => l.Data, System.StringComparer.Ordinal)
                .ToEquatableArray()))
            .OrderBy(i => Signature(i.Method), System.StringComparer.Ordinal)
            .ToEquatableArray()))
        .OrderBy(m => m.Payload.Key, System.StringComparer.Ordinal)
        .ToImmutableArray();

    private static string Signature(InterceptedMethodModel method) =>
        method.Name + "(" + string.Join(",", method.Parameters.Select(p => p.Type)) + ")";
}
