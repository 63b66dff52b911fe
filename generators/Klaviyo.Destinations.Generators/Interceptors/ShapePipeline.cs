using System.Collections.Generic;
using System.Collections.Immutable;
using Klaviyo.Destinations.Generators.Emitting;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// One file per anonymous shape, however many calls pass it (intercepted calls and calls of generic helpers alike).
/// Incremental without regrouping the shapes: only a small summary of each use (shape key, site, registration) is
/// collected, to pick for each shape the one use that writes its file (the first site in ordinal order). Each use then
/// decides, by itself, whether it writes its shape's file — so adding or removing a call re-runs that decision for every
/// use (a lookup) but changes no other output; a new call of a known shape changes no file unless it becomes the owner
/// (same file, same text) or adds a registration.
/// </summary>
internal static class ShapePipeline
{
    public static void Register(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<InterceptedCallModel> intercepted,
        IncrementalValuesProvider<HelperRegistrationModel> registered,
        IncrementalValueProvider<GeneratorOptions> options)
    {
        var interceptedUses = intercepted.Select(static (c, _) => new ShapeUseModel(c.Payload.Key, InterceptedSite(c), false, false));
        var helperUses = registered.Select(static (r, _) => new ShapeUseModel(r.Payload.Key, HelperSite(r), r.Profile, r.Event));
        var owners = interceptedUses.Collect().Combine(helperUses.Collect())
            .Select(static (pair, _) => Owners(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.ShapeOwners);

        var fromInterceptors = intercepted.Combine(owners)
            .Select(static (pair, _) => File(pair.Left.Payload, InterceptedSite(pair.Left), pair.Right))
            .WithTrackingName(TrackingNames.ShapeFiles);
        var fromHelpers = registered.Combine(owners)
            .Select(static (pair, _) => File(pair.Left.Payload, HelperSite(pair.Left), pair.Right))
            .WithTrackingName(TrackingNames.ShapeFiles);

        context.RegisterSourceOutput(fromInterceptors.Combine(options), static (spc, pair) => Emit(spc, pair.Left, pair.Right));
        context.RegisterSourceOutput(fromHelpers.Combine(options), static (spc, pair) => Emit(spc, pair.Left, pair.Right));
    }

    private static string InterceptedSite(InterceptedCallModel call) => "i:" + call.DisplayLocation + "|" + call.Method.Name;

    private static string HelperSite(HelperRegistrationModel registration) => "h:" + registration.DisplayLocation + "|" + registration.MethodName;

    private static EquatableArray<ShapeOwnerModel> Owners(ImmutableArray<ShapeUseModel> intercepted, ImmutableArray<ShapeUseModel> helpers)
    {
        var owners = new SortedDictionary<string, ShapeOwnerModel>(System.StringComparer.Ordinal);
        foreach (var use in intercepted.AddRange(helpers))
        {
            if (!owners.TryGetValue(use.Key, out var owner))
            {
                owners[use.Key] = new ShapeOwnerModel(use.Key, use.Site, use.Profile, use.Event);
                continue;
            }
            owners[use.Key] = new ShapeOwnerModel(use.Key,
                string.CompareOrdinal(use.Site, owner.Site) < 0 ? use.Site : owner.Site,
                owner.Profile || use.Profile, owner.Event || use.Event);
        }
        return new List<ShapeOwnerModel>(owners.Values).ToEquatableArray();
    }

    /// <summary>The shape's file when this use owns it; otherwise null (another use writes it).</summary>
    private static ShapeFileModel? File(AnonymousPayloadModel payload, string site, EquatableArray<ShapeOwnerModel> owners)
    {
        int low = 0, high = owners.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var owner = owners[middle];
            var order = string.CompareOrdinal(owner.Key, payload.Key);
            if (order == 0) return owner.Site == site ? new ShapeFileModel(payload, owner.Profile, owner.Event) : null;
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        return null;
    }

    private static void Emit(SourceProductionContext context, ShapeFileModel? file, GeneratorOptions options)
    {
        if (file is null) return;
        context.AddSource(file.HintName, SourceText.From(InterceptorEmitter.EmitShape(file, options), System.Text.Encoding.UTF8));
    }
}
