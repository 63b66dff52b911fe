using Klaviyo.Destinations.Generators.Emitting;
using Klaviyo.Destinations.Generators.Model;
using Klaviyo.Destinations.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.Generators;

/// <summary>
/// Compiles <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> types into reflection-free mappers, registers them with
/// the runtime from a module initializer, and compiles the mapping tables into <c>switch</c> lookups for the runtime.
/// Diagnostics come from the analyzers, which share the member classification with this generator.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KlaviyoMapperGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var profiles = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.KlaviyoProfileAttribute, IsTypeDeclaration,
                static (ctx, ct) => MapperParser.Parse(ctx, MapperKind.Profile, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ProfileModels);

        var events = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.KlaviyoEventAttribute, IsTypeDeclaration,
                static (ctx, ct) => MapperParser.Parse(ctx, MapperKind.Event, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.EventModels);

        var options = context.CompilationProvider
            .Select(static (compilation, _) => ReadOptions(compilation))
            .WithTrackingName(TrackingNames.Options);

        var intercepted = Interceptors.InterceptorPipeline.Register(context);
        var registered = Interceptors.HelperPipeline.Register(context, options);
        Interceptors.ShapePipeline.Register(context, intercepted, registered, options);

        context.RegisterSourceOutput(profiles.Combine(options), static (spc, pair) => Emit(spc, pair.Left, pair.Right));
        context.RegisterSourceOutput(events.Combine(options), static (spc, pair) => Emit(spc, pair.Left, pair.Right));

        var all = profiles.Collect().Combine(events.Collect())
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right).ToEquatableArray())
            .WithTrackingName(TrackingNames.AllMappers);
        context.RegisterSourceOutput(all.Combine(options), static (spc, pair) =>
        {
            if (pair.Left.Count == 0) return;
            spc.AddSource("Klaviyo.Destinations.Generated.KlaviyoGeneratedMappers.g.cs",
                SourceText.From(RegistryEmitter.EmitRegistry(pair.Left.ToImmutableArray(), pair.Right), System.Text.Encoding.UTF8));
        });

        var lookups = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.GenerateTableLookupsAttribute, IsTypeDeclaration,
                static (ctx, _) => new LookupTarget(
                    ctx.TargetSymbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                    ctx.TargetSymbol.Name,
                    ctx.TargetSymbol.ToDisplayString() + ".g.cs"))
            .WithTrackingName(TrackingNames.LookupTargets);
        context.RegisterSourceOutput(lookups, static (spc, target) =>
            spc.AddSource(target.HintName, SourceText.From(RegistryEmitter.EmitLookups(target), System.Text.Encoding.UTF8)));
    }

    private static bool IsTypeDeclaration(SyntaxNode node, System.Threading.CancellationToken _) => node is TypeDeclarationSyntax;

    private static void Emit(SourceProductionContext context, MapperModel model, GeneratorOptions options) =>
        context.AddSource(model.HintName, SourceText.From(MapperEmitter.Emit(model, options), System.Text.Encoding.UTF8));

    private static GeneratorOptions ReadOptions(Compilation compilation)
    {
        var handling = MappingOptionsReader.ReadUnmappedTraits(compilation);
        var hasInitializer = GenericHelperFlows.HasModuleInitializer(compilation);
        return new GeneratorOptions(handling, hasInitializer, MappingOptionsReader.ReadPropertyNaming(compilation));
    }
}
