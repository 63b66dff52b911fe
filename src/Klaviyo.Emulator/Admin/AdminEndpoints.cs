using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Admin;

/// <summary>
/// Admin and inspection endpoints under <c>/_emulator</c> (no auth, plain <c>application/json</c>) and the HTML page at <c>/</c>.
/// </summary>
internal static class AdminEndpoints
{
    private const string Json = "application/json";
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.MapGet("/", (HttpContext http) => Results.Content(HomePage.Render(StateDocument.Build(runtime, BaseUrl(http))), "text/html; charset=utf-8"));
        app.MapGet("/_emulator/state", (HttpContext http) => Text(StateDocument.Build(runtime, BaseUrl(http))));
        app.MapGet("/_emulator/faults", () => Text(FaultsJson.Write(runtime.Faults.Current)));
        app.MapPost("/_emulator/faults", async (HttpContext http) =>
        {
            try
            {
                var json = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject
                    ?? throw new ArgumentException("Send a JSON object.");
                runtime.Faults.Current = FaultsJson.Merge(runtime.Faults.Current, json, runtime.Time.GetUtcNow());
                return Text(FaultsJson.Write(runtime.Faults.Current));
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
            {
                return Results.Text(new JsonObject { ["error"] = ex.Message }.ToJsonString(), Json, Encoding.UTF8, StatusCodes.Status400BadRequest);
            }
        });
        app.MapDelete("/_emulator/faults", () =>
        {
            runtime.Faults.Current = EmulatorFaults.None;
            return Text(FaultsJson.Write(runtime.Faults.Current));
        });
        app.MapGet("/_emulator/rate-limits", () => Text(RateLimits(runtime)));
        app.MapPost("/_emulator/rate-limits", async (HttpContext http) =>
        {
            var json = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject ?? [];
            if (json["enabled"] is { } enabled)
            {
                runtime.RateLimiter.Enabled = enabled.GetValue<bool>();
            }

            if (json["timeScale"] is { } scale)
            {
                runtime.RateLimiter.TimeScale = scale.GetValue<double>();
            }

            return Text(RateLimits(runtime));
        });
        app.MapPost("/_emulator/confirm", async (HttpContext http) =>
        {
            var json = http.Request.ContentLength is > 0
                ? await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject ?? []
                : [];
            int confirmed;
            lock (runtime.Store.Sync)
            {
                runtime.Store.Pump();
                confirmed = State.ConsentManager.Confirm(runtime.Store, json["profile"]?.GetValue<string>(), json["list_id"]?.GetValue<string>());
            }

            return Text(new JsonObject { ["confirmed"] = confirmed });
        });
        app.MapPost("/_emulator/reset", () =>
        {
            runtime.Reset();
            return Results.NoContent();
        });
    }

    private static JsonObject RateLimits(EmulatorRuntime runtime) =>
        new() { ["enabled"] = runtime.RateLimiter.Enabled, ["timeScale"] = runtime.RateLimiter.TimeScale };

    private static IResult Text(JsonNode node) => Results.Text(node.ToJsonString(s_indented), Json, Encoding.UTF8);

    private static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";
}
