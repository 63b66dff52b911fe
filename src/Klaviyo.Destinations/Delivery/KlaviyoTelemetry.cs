using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;

namespace Klaviyo.Destinations;

/// <summary>
/// Tracing and identification: the <see cref="ActivitySource"/> <c>Klaviyo.Destinations</c> (a client span per HTTP
/// request to Klaviyo) and the <c>User-Agent: Klaviyo.Destinations/&lt;version&gt;</c> every request carries.
/// </summary>
internal static class KlaviyoTelemetry
{
    public const string SourceName = "Klaviyo.Destinations";

    public static readonly string Version = typeof(KlaviyoTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(KlaviyoTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly ActivitySource Source = new(SourceName, Version);

    public static readonly ProductInfoHeaderValue UserAgent = new("Klaviyo.Destinations", Version);

    /// <summary>Starts the span of one request (null when nobody listens).</summary>
    public static Activity? StartRequest(HttpMethod method, string endpoint)
    {
        var activity = Source.StartActivity($"{method.Method} {endpoint}", ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("http.request.method", method.Method);
        activity.SetTag("url.template", endpoint);
        activity.SetTag("server.address", "klaviyo");
        return activity;
    }

    public static void Finish(Activity? activity, int status, string? failure)
    {
        if (activity is null) return;
        if (status > 0) activity.SetTag("http.response.status_code", status);
        if (status is 0 or >= 400)
        {
            activity.SetTag("error.type", status == 0 ? "no_answer" : status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error, failure);
        }
        activity.Dispose();
    }
}
