using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// KLV2006: a constant key of dictionary or anonymous-object traits/properties written inline in a call to
/// <c>Analytics.Identify</c>, <c>Track</c> or <c>Group</c> that matches no mapping table entry but is close to one
/// (<see cref="KeySuggestions"/>). Identify/Group keys are checked against the profile tables (and the members of a
/// nested <c>address</c> against the address table), Track keys against the event fields and ecommerce properties
/// (and the entries of a nested <c>products</c> list likewise).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TraitKeyAnalyzer : DiagnosticAnalyzer
{
    private const string TraitWord = "Trait";
    private const string PropertyWord = "Property";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.CloseTraitKey);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var analytics = start.Compilation.GetTypeByMetadataName(KnownNames.Analytics);
            if (analytics is null) return;
            var dictionaries = new[]
            {
                start.Compilation.GetTypeByMetadataName("System.Collections.Generic.IDictionary`2"),
                start.Compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2"),
            }.Where(t => t is not null).Cast<INamedTypeSymbol>().ToArray();
            start.RegisterOperationAction(c => Analyze(c, analytics, dictionaries), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol analytics, INamedTypeSymbol[] dictionaries)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (AnalyticsCalls.Method(invocation, analytics) is not { } method) return;
        var (table, parameter, word) = method.Name switch
        {
            AnalyticsCalls.Identify => (KeySuggestions.Profile, "traits", TraitWord),
            AnalyticsCalls.Group => (KeySuggestions.Group, "traits", TraitWord),
            AnalyticsCalls.Track => (KeySuggestions.Event, "properties", PropertyWord),
            _ => (null, "", ""),
        };
        if (table is null || AnalyticsCalls.Argument(invocation, parameter) is not { } argument) return;
        new Checker(context, dictionaries, InterceptedCalls.IsIntercepted(method)).Check(argument, table, word);
    }

    private sealed class Checker
    {
        private readonly OperationAnalysisContext _context;
        private readonly INamedTypeSymbol[] _dictionaries;
        private readonly bool _intercepted;

        public Checker(OperationAnalysisContext context, INamedTypeSymbol[] dictionaries, bool intercepted)
        {
            _context = context;
            _dictionaries = dictionaries;
            _intercepted = intercepted;
        }

        /// <summary>
        /// The members of an intercepted anonymous payload are matched like a model's (by convention, ignoring case and
        /// separators), not like dictionary keys: a name that maps that way is what the user meant.
        /// </summary>
        private bool MapsByConvention(Entry entry, KeySuggestions table) =>
            _intercepted && entry.IsMemberName && InterceptedCalls.IsConventionalMemberName(entry.Key,
                table == KeySuggestions.Address ? InterceptedCalls.MemberPlace.Address
                : table == KeySuggestions.Event ? InterceptedCalls.MemberPlace.Event
                : InterceptedCalls.MemberPlace.Profile);

        /// <summary>Checks the keys of an inline dictionary or anonymous object; anything else (a variable, a model) is left alone.</summary>
        public void Check(IOperation operation, KeySuggestions table, string word)
        {
            var entries = Entries(AnalyticsCalls.Unwrap(operation));
            if (entries.Count == 0) return;
            var written = new HashSet<string>(entries.Select(e => e.Key), System.StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                _context.CancellationToken.ThrowIfCancellationRequested();
                if (!MapsByConvention(entry, table) && table.Suggest(entry.Key, entry.IsMemberName) is { } suggestion)
                {
                    var properties = written.Contains(suggestion.Key)
                        ? ImmutableDictionary<string, string?>.Empty
                        : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.ReplacementProperty, suggestion.Key);
                    _context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CloseTraitKey, entry.Location, properties,
                        word, entry.Key, suggestion.Key, suggestion.Target));
                }
                else if (table == KeySuggestions.Profile || table == KeySuggestions.Group)
                {
                    if (entry.Key == KlaviyoMappingTables.AddressKey) Check(entry.Value, KeySuggestions.Address, TraitWord);
                }
                else if (table == KeySuggestions.Event && entry.Key == KlaviyoMappingTables.ProductsKey)
                {
                    foreach (var product in Elements(AnalyticsCalls.Unwrap(entry.Value))) Check(product, KeySuggestions.Event, PropertyWord);
                }
            }
        }

        private List<Entry> Entries(IOperation operation)
        {
            var entries = new List<Entry>();
            switch (operation)
            {
                case IObjectCreationOperation { Initializer: { } initializer, Type: INamedTypeSymbol type } when IsStringKeyedDictionary(type):
                    foreach (var element in initializer.Initializers)
                    {
                        switch (element)
                        {
                            // ["firstname"] = …
                            case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer } assignment:
                                AddKey(entries, AnalyticsCalls.Unwrap(indexer.Arguments[0].Value), assignment.Value);
                                break;
                            // { "e-mail", … }
                            case IInvocationOperation { Arguments.Length: 2 } add:
                                AddKey(entries, AnalyticsCalls.Unwrap(add.Arguments[0].Value), add.Arguments[1].Value);
                                break;
                        }
                    }
                    break;
                // new { firstname = … }
                case IAnonymousObjectCreationOperation anonymous:
                    foreach (var element in anonymous.Initializers)
                    {
                        if (element is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation member } assignment) continue;
                        var declarator = assignment.Syntax.FirstAncestorOrSelf<AnonymousObjectMemberDeclaratorSyntax>();
                        if (declarator is null) continue;
                        var location = declarator.NameEquals is { } nameEquals ? nameEquals.Name.GetLocation() : declarator.Expression.GetLocation();
                        entries.Add(new Entry(member.Property.Name, isMemberName: true, location, assignment.Value));
                    }
                    break;
            }
            return entries;
        }

        private static void AddKey(List<Entry> entries, IOperation key, IOperation value)
        {
            if (key.ConstantValue is { HasValue: true, Value: string text })
                entries.Add(new Entry(text, isMemberName: false, key.Syntax.GetLocation(), value));
        }

        /// <summary>The elements of an inline array, collection expression or collection initializer.</summary>
        private static IEnumerable<IOperation> Elements(IOperation operation) => operation switch
        {
            IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
            ICollectionExpressionOperation collection => collection.Elements,
            IObjectCreationOperation { Initializer: { } initializer } => initializer.Initializers
                .OfType<IInvocationOperation>().Where(add => add.Arguments.Length == 1).Select(add => add.Arguments[0].Value),
            _ => Enumerable.Empty<IOperation>(),
        };

        private bool IsStringKeyedDictionary(INamedTypeSymbol type)
        {
            foreach (var candidate in type.AllInterfaces.Add(type))
            {
                if (candidate.TypeArguments.Length != 2 || candidate.TypeArguments[0].SpecialType != SpecialType.System_String) continue;
                foreach (var dictionary in _dictionaries)
                    if (SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, dictionary)) return true;
            }
            return false;
        }
    }

    private sealed class Entry
    {
        public Entry(string key, bool isMemberName, Location location, IOperation value)
        {
            Key = key;
            IsMemberName = isMemberName;
            Location = location;
            Value = value;
        }

        public string Key { get; }

        /// <summary>True for a member of an anonymous object: only an identifier can replace it.</summary>
        public bool IsMemberName { get; }

        public Location Location { get; }
        public IOperation Value { get; }
    }
}
