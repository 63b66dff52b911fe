using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>Writes planned requests as <c>{"method","path","body"}</c> lines (the dry-run output).</summary>
internal static class RequestPlan
{
    /// <summary>Writes <paramref name="requests"/>; returns how many.</summary>
    public static int Write(IEnumerable<PlannedRequest> requests, Utf8JsonWriter json, Stream output)
    {
        var count = 0;
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
            count++;
        }
        return count;
    }
}
