namespace Klaviyo.Destinations.Generators.Model;

/// <summary>Compilation-wide settings that change generated code.</summary>
internal sealed record GeneratorOptions(UnmappedTraitHandling UnmappedTraits, bool HasModuleInitializer, PropertyNaming PropertyNaming = PropertyNaming.AsDeclared);

/// <summary>Where to put the table lookups (the runtime's <c>[GenerateTableLookups]</c> class).</summary>
internal sealed record LookupTarget(string? Namespace, string ClassName, string HintName);
