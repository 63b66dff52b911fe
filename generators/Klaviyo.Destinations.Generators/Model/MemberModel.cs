namespace Klaviyo.Destinations.Generators.Model;

/// <summary>One generated member of a mapped type.</summary>
internal sealed record MemberModel(
    string Name,
    MemberTarget Target,
    ProfileField Field,
    EventField EventField,
    string? PropertyName,
    bool PropertyNameFromMember,
    bool KeepAsProperty,
    bool IsEventEmail,
    bool ClearWhenNull,
    ShapeModel Shape,
    EquatableArray<MemberModel> Nested,
    string? CompanyNameMember);
