using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>Turns queued items into the HTTP requests the sender would make (dry run).</summary>
internal static class RequestPlan
{
    /// <summary>Writes one <c>{"method","path","body"}</c> line per request of <paramref name="items"/> (single endpoints).</summary>
    public static int WriteSingle(IEnumerable<QueuedItem> items, Utf8JsonWriter json, Stream output)
    {
        var count = 0;
        foreach (var item in items)
        {
            json.Reset(output);
            json.WriteStartObject();
            json.WriteString("method", "POST");
            json.WriteString("path", RequestComposer.PathFor(item));
            json.WritePropertyName("body");
            json.WriteRawValue(RequestComposer.SingleBody(item), skipInputValidation: true);
            json.WriteEndObject();
            json.Flush();
            output.WriteByte((byte)'\n');
            count++;
        }
        return count;
    }
}
