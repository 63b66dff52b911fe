using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Klaviyo.Emulator.Http;

/// <summary>Writes JSON:API documents and error documents.</summary>
internal static class JsonApi
{
    public const string MediaType = "application/vnd.api+json";

    public static readonly JsonSerializerOptions SerializerOptions = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Document(JsonNode document, int status = StatusCodes.Status200OK) =>
        Results.Text(document.ToJsonString(SerializerOptions), MediaType, Encoding.UTF8, status);

    public static JsonObject ErrorDocument(IEnumerable<KlaviyoApiError> errors)
    {
        var array = new JsonArray();
        foreach (var e in errors)
        {
            var error = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["status"] = e.Status,
                ["code"] = e.Code,
                ["title"] = e.Title,
                ["detail"] = e.Detail,
            };
            var source = new JsonObject();
            if (e.Pointer is not null)
            {
                source["pointer"] = e.Pointer;
            }

            if (e.Parameter is not null)
            {
                source["parameter"] = e.Parameter;
            }

            error["source"] = source;
            if (e.DuplicateProfileId is not null)
            {
                error["meta"] = new JsonObject { ["duplicate_profile_id"] = e.DuplicateProfileId };
            }

            array.Add(error);
        }

        return new JsonObject { ["errors"] = array };
    }

    public static async Task WriteErrorsAsync(HttpContext context, int status, IReadOnlyList<KlaviyoApiError> errors)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = MediaType;
        await context.Response.WriteAsync(ErrorDocument(errors).ToJsonString(SerializerOptions), context.RequestAborted);
    }

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", System.Globalization.CultureInfo.InvariantCulture);
}
