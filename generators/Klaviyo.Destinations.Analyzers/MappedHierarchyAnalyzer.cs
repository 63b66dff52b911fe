using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// KLV2010: a class that derives from a <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> type, is not annotated itself and
/// declares members of its own. At run time it is mapped by its base type's mapper (the nearest annotated base), which
/// does not know those members. Looks only at the type's own base chain: no whole-compilation walk.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MappedHierarchyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnannotatedDerivedType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var attributes = MappedTypeAttributes.For(start.Compilation);
            if (attributes is null) return;
            start.RegisterSymbolAction(c => Analyze(c, attributes), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, MappedTypeAttributes attributes)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || type.IsAbstract || type.BaseType is null) return;
        var own = attributes.On(type).Select(a => a.Kind).ToList();
        foreach (var kind in new[] { MapperKind.Profile, MapperKind.Event })
        {
            if (own.Contains(kind)) continue;
            var mappedBase = NearestMappedBase(type, kind, attributes);
            if (mappedBase is null) continue;
            var added = OwnMembers(type, mappedBase);
            if (added.Count == 0) continue;
            var list = string.Join(", ", added.Take(3).Select(n => "'" + n + "'")) + (added.Count > 3 ? " and " + (added.Count - 3) + " more" : "");
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnannotatedDerivedType, MemberLocations.Of(type),
                TypeRules.NestedName(type), MappedTypeAttributes.ShortName(kind), TypeRules.NestedName(mappedBase),
                (added.Count == 1 ? "its member " : "its members ") + list));
        }
    }

    private static INamedTypeSymbol? NearestMappedBase(INamedTypeSymbol type, MapperKind kind, MappedTypeAttributes attributes)
    {
        for (var t = type.BaseType; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            // The runtime walks base types the same way and stops at the first one with a mapper; an abstract or generic
            // base has none (KLV1004/KLV1001), so the walk goes on past it.
            if (!TypeRules.CanGenerate(t)) continue;
            foreach (var (k, _) in attributes.On(t))
                if (k == kind) return t;
        }
        return null;
    }

    /// <summary>Readable members declared between <paramref name="type"/> and <paramref name="mappedBase"/> (exclusive).</summary>
    private static List<string> OwnMembers(INamedTypeSymbol type, INamedTypeSymbol mappedBase)
    {
        var baseNames = new HashSet<string>(MemberClassifier.ReadableMembers(mappedBase).Select(m => m.Symbol.Name), System.StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var (symbol, _) in MemberClassifier.ReadableMembers(type))
            if (!baseNames.Contains(symbol.Name) && !MemberClassifier.AttributesOf(symbol).NotMapped) result.Add(symbol.Name);
        return result;
    }
}
