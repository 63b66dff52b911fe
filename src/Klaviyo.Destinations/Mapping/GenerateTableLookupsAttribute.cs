namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Asks the source generator to compile <see cref="KlaviyoMappingTables"/> into <c>switch</c>-based lookups on the
/// marked static partial class. Used by the runtime's dictionary mappers.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class GenerateTableLookupsAttribute : Attribute
{
}
