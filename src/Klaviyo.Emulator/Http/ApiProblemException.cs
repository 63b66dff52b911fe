namespace Klaviyo.Emulator.Http;

/// <summary>Thrown by handlers to answer with a JSON:API error document; caught by the API pipeline.</summary>
internal sealed class ApiProblemException : Exception
{
    public ApiProblemException(KlaviyoApiError error)
        : this(error.Status, [error])
    {
    }

    public ApiProblemException(int status, IReadOnlyList<KlaviyoApiError> errors)
        : base(errors.Count > 0 ? errors[0].Detail : "error")
    {
        Status = status;
        Errors = errors;
    }

    public int Status { get; }

    public IReadOnlyList<KlaviyoApiError> Errors { get; }

    public static ApiProblemException Invalid(string pointer, string detail) =>
        new(new KlaviyoApiError(400, "invalid", "Invalid input.", detail, Pointer: pointer));

    public static ApiProblemException NotFound(string detail, string? pointer = null) =>
        new(new KlaviyoApiError(404, "not_found", "Not found.", detail, Pointer: pointer));
}
