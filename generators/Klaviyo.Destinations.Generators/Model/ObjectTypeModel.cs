namespace Klaviyo.Destinations.Generators.Model;

/// <summary>A class or struct written as a nested JSON object (e.g. the products of an order).</summary>
internal sealed record ObjectTypeModel(string Key, string TypeName, EquatableArray<ObjectMemberModel> Members);

/// <summary>A member of a nested object type.</summary>
internal sealed record ObjectMemberModel(string Name, string JsonName, ShapeModel Shape);

/// <summary>An enum written by name.</summary>
internal sealed record EnumModel(string Key, string TypeName, EquatableArray<string> Names);
