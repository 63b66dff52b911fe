namespace Klaviyo.Destinations.Generators.Model;

/// <summary>A class or struct written as a nested JSON object (e.g. the products of an order).</summary>
internal sealed record ObjectTypeModel(string Key, string TypeName, EquatableArray<ObjectMemberModel> Members);

/// <summary>A member of a nested object type.</summary>
/// <param name="JsonNameFromMember">True when <paramref name="JsonName"/> is the member's own name (the naming policy respells it).</param>
internal sealed record ObjectMemberModel(string Name, string JsonName, bool JsonNameFromMember, ShapeModel Shape);

/// <summary>An enum written by name.</summary>
internal sealed record EnumModel(string Key, string TypeName, EquatableArray<string> Names);
