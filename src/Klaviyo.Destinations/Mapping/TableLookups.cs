namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Key lookups compiled from <see cref="KlaviyoMappingTables"/> by the source generator (one <c>switch</c> per
/// table): the dictionary mapper's "which Klaviyo field is this key?".
/// </summary>
[GenerateTableLookups]
internal static partial class TableLookups
{
}
