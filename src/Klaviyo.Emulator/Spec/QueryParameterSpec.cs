namespace Klaviyo.Emulator.Spec;

/// <summary>One query parameter an operation of the OpenAPI document declares.</summary>
/// <param name="Name">The parameter name, e.g. <c>page[size]</c> or <c>additional-fields[profile]</c>.</param>
/// <param name="Values">The allowed values (the schema's <c>enum</c>), or null when any value is allowed.</param>
/// <param name="IsList">Whether the value is a comma-separated list (<c>type: array</c>, <c>explode: false</c>).</param>
/// <param name="FilterFields">
/// For <c>filter</c>: the fields and their operators from the parameter's description
/// ("Allowed field(s)/operator(s): `email`: `any`, `equals` …"); null for other parameters.
/// </param>
internal sealed record QueryParameterSpec(
    string Name,
    IReadOnlyList<string>? Values,
    bool IsList,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? FilterFields);
