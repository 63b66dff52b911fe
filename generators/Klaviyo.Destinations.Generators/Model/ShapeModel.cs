namespace Klaviyo.Destinations.Generators.Model;

/// <summary>How to write a value: its shape and (fully qualified) type, plus the element for collections.</summary>
internal sealed record ShapeModel(ValueShape Kind, string TypeName, bool CanBeNull, bool IsNullableValueType, ShapeModel? Element, string? HelperKey);
