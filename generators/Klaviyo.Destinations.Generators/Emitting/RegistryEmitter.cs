using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators.Model;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>Emits the module initializer that registers every mapper, and the runtime's table lookups.</summary>
internal static class RegistryEmitter
{
    public static string EmitRegistry(ImmutableArray<MapperModel> mappers, GeneratorOptions options)
    {
        var registrations = mappers
            .OrderBy(m => m.HintName, System.StringComparer.Ordinal)
            .Select(m => new Dictionary<string, object>
            {
                ["type_name"] = m.TypeName,
                ["mapper"] = (m.Namespace is null ? "global::" : "global::" + m.Namespace + ".") + m.MapperName,
            })
            .ToList();
        return Templates.Render("Registry", new Dictionary<string, object?>
        {
            ["version"] = GeneratorInfo.Version,
            ["module_initializer"] = options.HasModuleInitializer,
            ["registrations"] = registrations,
        });
    }

    public static string EmitLookups(LookupTarget target)
    {
        static List<Dictionary<string, object>> Rows(IEnumerable<TraitMapping> rows) => rows
            .Select(r => new Dictionary<string, object> { ["key"] = CodeWriter.Literal(r.Key), ["field"] = r.Field.ToString() })
            .ToList();

        return Templates.Render("TableLookups", new Dictionary<string, object?>
        {
            ["namespace"] = target.Namespace,
            ["class_name"] = target.ClassName,
            ["version"] = GeneratorInfo.Version,
            ["profile"] = Rows(KlaviyoMappingTables.ProfileTraits),
            ["address"] = Rows(KlaviyoMappingTables.AddressTraits),
            ["events"] = KlaviyoMappingTables.EventFields.Select(r => new Dictionary<string, object>
            {
                ["key"] = CodeWriter.Literal(r.Key),
                ["field"] = r.Field.ToString(),
                ["keep"] = r.KeepAsProperty ? "true" : "false",
            }).ToList(),
            ["metrics"] = KlaviyoMappingTables.EcommerceEvents.Select(r => new Dictionary<string, object>
            {
                ["key"] = CodeWriter.Literal(r.SpecName),
                ["value"] = CodeWriter.Literal(r.KlaviyoMetric),
            }).ToList(),
        });
    }
}
