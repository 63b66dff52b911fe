namespace Klaviyo.Destinations.Generators.Model;

/// <summary>Everything needed to emit one mapper; value-equatable so unchanged types stay cached.</summary>
internal sealed record MapperModel(
    MapperKind Kind,
    string? Namespace,
    string TypeDisplayName,
    string TypeName,
    string MapperName,
    string HintName,
    string? EventName,
    EquatableArray<MemberModel> Members,
    EquatableArray<ObjectTypeModel> ObjectTypes,
    EquatableArray<EnumModel> Enums);
