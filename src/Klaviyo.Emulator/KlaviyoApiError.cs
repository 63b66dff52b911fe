namespace Klaviyo.Emulator;

/// <summary>One JSON:API error object as the emulator sends it in an <c>errors[]</c> array.</summary>
/// <param name="Status">HTTP status of the response that carried it.</param>
/// <param name="Code">Klaviyo-style machine code, e.g. <c>invalid</c>, <c>not_authenticated</c>, <c>throttled</c>.</param>
/// <param name="Title">Short human title.</param>
/// <param name="Detail">What was wrong, naming the field or limit.</param>
/// <param name="Pointer">JSON pointer into the request body (<c>source.pointer</c>), when a body field is at fault.</param>
/// <param name="Parameter">Query or header parameter at fault (<c>source.parameter</c>), e.g. <c>revision</c>.</param>
/// <param name="DuplicateProfileId">For <c>duplicate_profile</c> conflicts: the id of the existing profile (<c>meta.duplicate_profile_id</c>).</param>
public sealed record KlaviyoApiError(
    int Status,
    string Code,
    string Title,
    string Detail,
    string? Pointer = null,
    string? Parameter = null,
    string? DuplicateProfileId = null);
