using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// One <see cref="MemberClassifier"/> result per type and kind for a compilation, shared by every analyzer that needs it
/// (<see cref="MappedMemberAnalyzer"/> per model, <see cref="ExternalIdCallAnalyzer"/> per Identify call,
/// <see cref="AnonymousPayloadAnalyzer"/> per call with the same anonymous shape): a model is classified once per build,
/// not once per analyzer and call site. Held weakly by the compilation, so it goes when the compilation does.
/// </summary>
internal static class ClassificationCache
{
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<Key, ClassificationResult>> s_perCompilation = new();

    public static ClassificationResult Get(Compilation compilation, INamedTypeSymbol type, MapperKind kind)
    {
        var cache = s_perCompilation.GetValue(compilation, static _ => new ConcurrentDictionary<Key, ClassificationResult>());
        return cache.GetOrAdd(new Key(type, kind), static key => MemberClassifier.Classify(key.Type, key.Kind, null));
    }

    private readonly struct Key : System.IEquatable<Key>
    {
        public Key(INamedTypeSymbol type, MapperKind kind)
        {
            Type = type;
            Kind = kind;
        }

        public INamedTypeSymbol Type { get; }
        public MapperKind Kind { get; }

        public bool Equals(Key other) => Kind == other.Kind && SymbolEqualityComparer.Default.Equals(Type, other.Type);
        public override bool Equals(object? obj) => obj is Key other && Equals(other);
        public override int GetHashCode() => (SymbolEqualityComparer.Default.GetHashCode(Type) * 397) ^ (int)Kind;
    }
}
