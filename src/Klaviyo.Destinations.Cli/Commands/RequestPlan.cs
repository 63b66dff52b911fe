using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>Writes planned requests as <c>{"method","path","body"}</c> lines (the dry-run output).</summary>
internal static class RequestPlan
{
    public static void Write(IEnumerable<PlannedRequest> requests, Utf8JsonWriter json, Stream output)
    {
        foreach (var request in requests)
        {
            json.Reset(output);
            json.WriteStartObject();
            json.WriteString("method", request.Method);
            json.WriteString("path", request.Path);
            json.WritePropertyName("body");
            json.WriteRawValue(request.Body, skipInputValidation: true);
            json.WriteEndObject();
            json.Flush();
            output.WriteByte((byte)'\n');
        }
    }
}
