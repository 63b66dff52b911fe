using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Admin;

/// <summary>A small self-refreshing HTML view of <c>/_emulator/state</c> for a person debugging their app.</summary>
internal static class HomePage
{
    public static string Render(JsonObject state)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"5\">")
            .Append("<title>Klaviyo emulator</title><style>body{font-family:system-ui,sans-serif;margin:1.5em}")
            .Append("table{border-collapse:collapse;margin-bottom:1.5em;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}")
            .Append("th{background:#f3f3f3}code{font-size:12px;white-space:pre-wrap}</style></head><body>")
            .Append("<h1>Klaviyo emulator</h1><p>Revision 2026-07-15 &middot; now ").Append(E(state["now"])).Append(" &middot; rate limits ")
            .Append(E(state["rate_limits"]?["enabled"])).Append(" (time scale ").Append(E(state["rate_limits"]?["time_scale"]))
            .Append(") &middot; <a href=\"/_emulator/state\">state as JSON</a></p>");

        Table(html, "Counters", ["endpoint", "by status"], ((JsonObject)state["counters"]!).Select(kv => new[] { kv.Key, kv.Value!.ToJsonString() }));
        Table(html, "Profiles", ["id", "identifiers", "attributes", "lists"], ((JsonArray)state["profiles"]!).Select(p => new[]
        {
            p!["id"]!.ToString(), p["identifiers"]!.ToJsonString(), p["attributes"]!.ToJsonString(), p["lists"]!.ToJsonString(),
        }));
        Table(html, "Events", ["time", "metric", "profile", "unique_id", "value", "properties"], ((JsonArray)state["events"]!).Select(e => new[]
        {
            e!["time"]!.ToString(), e["metric"]!.ToString(), e["profile_id"]!.ToString(), e["unique_id"]?.ToString() ?? string.Empty,
            e["value"]?.ToString() ?? string.Empty, e["properties"]!.ToJsonString(),
        }));
        Table(html, "Lists", ["id", "name", "opt-in", "members"], ((JsonArray)state["lists"]!).Select(l => new[]
        {
            l!["id"]!.ToString(), l["name"]!.ToString(), l["opt_in_process"]!.ToString(), ((JsonArray)l["profile_ids"]!).Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        Table(html, "Jobs", ["id", "type", "status", "total", "completed", "failed"], ((JsonArray)state["jobs"]!).Select(j => new[]
        {
            j!["id"]!.ToString(), j["type"]!.ToString(), j["status"]!.ToString(), j["total_count"]!.ToString(), j["completed_count"]!.ToString(), j["failed_count"]!.ToString(),
        }));
        Table(html, "Rejected requests", ["time", "request", "status", "errors"], ((JsonArray)state["rejected_requests"]!).Reverse().Select(r => new[]
        {
            r!["time"]!.ToString(), r["method"] + " " + r["path"], r["status"]!.ToString(), r["errors"]!.ToJsonString(),
        }));
        html.Append("<h2>Faults</h2><code>").Append(E(state["faults"]?.ToJsonString())).Append("</code></body></html>");
        return html.ToString();
    }

    private static void Table(StringBuilder html, string title, string[] headers, IEnumerable<string[]> rows)
    {
        html.Append("<h2>").Append(E(title)).Append("</h2><table><tr>");
        foreach (var h in headers)
        {
            html.Append("<th>").Append(E(h)).Append("</th>");
        }

        html.Append("</tr>");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td><code>").Append(E(cell)).Append("</code></td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
    }

    private static string E(object? value) => WebUtility.HtmlEncode(value?.ToString() ?? string.Empty);
}
