using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;

namespace Klaviyo.Destinations;

/// <summary>
/// Tracing and identification: the <see cref="ActivitySource"/> <c>Klaviyo.Destinations</c> (a client span per HTTP
/// request to Klaviyo) and the <c>User-Agent: Klaviyo.Destinations/&lt;version&gt;</c> every request carries.
/// <para>
/// Delivery runs in the background, outside the traces of the calls that produced the items: a request span has no
/// parent and carries an <see cref="ActivityLink"/> to each producing call's context instead (captured at
/// <c>Track</c>/<c>Identify</c> when someone listens to this source, kept on disk by the durable queue as a W3C
/// traceparent), up to <see cref="MaxLinks"/> distinct contexts per request.
/// </para>
/// </summary>
internal static class KlaviyoTelemetry
{
    public const string SourceName = "Klaviyo.Destinations";

    /// <summary>Links a request span carries at most: the batch's first distinct producing contexts (a bulk job holds up to 10,000 items).</summary>
    public const int MaxLinks = 32;

    private static readonly AsyncLocal<IReadOnlyList<PendingItem>?> s_producers = new();

    /// <summary>The items whose batch the current flow is sending (set by the pipeline around a send).</summary>
    public static IReadOnlyList<PendingItem>? Producers
    {
        get => s_producers.Value;
        set => s_producers.Value = value;
    }

    /// <summary>The caller's trace context, for the items of the call (default when nobody listens or there is none).</summary>
    public static ActivityContext CaptureProducer() =>
        Activity.Current is { } current && Source.HasListeners() ? current.Context : default;

    /// <summary>Runs background work outside the current trace and producers (it must not become part of one request's trace).</summary>
    public static Task RunDetached(Func<Task> work) => Task.Run(() =>
    {
        Activity.Current = null;
        s_producers.Value = null;
        return work();
    });

    public static readonly string Version = typeof(KlaviyoTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(KlaviyoTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly ActivitySource Source = new(SourceName, Version);

    public static readonly ProductInfoHeaderValue UserAgent = new("Klaviyo.Destinations", Version);

    /// <summary>Starts the span of one request (null when nobody listens).</summary>
    public static Activity? StartRequest(HttpMethod method, string endpoint, IReadOnlyList<PendingItem>? producers = null)
    {
        if (!Source.HasListeners()) return null;
        var activity = Source.StartActivity($"{method.Method} {endpoint}", ActivityKind.Client, parentContext: default, links: Links(producers));
        if (activity is null) return null;
        if (producers is not null) activity.SetTag("klaviyo.batch.items", producers.Count);
        activity.SetTag("http.request.method", method.Method);
        activity.SetTag("url.template", endpoint);
        activity.SetTag("server.address", "klaviyo");
        return activity;
    }

    /// <summary>The distinct producing contexts of <paramref name="producers"/>, at most <see cref="MaxLinks"/>.</summary>
    internal static List<ActivityLink>? Links(IReadOnlyList<PendingItem>? producers)
    {
        if (producers is null) return null;
        List<ActivityLink>? links = null;
        HashSet<ActivitySpanId>? seen = null;
        for (var i = 0; i < producers.Count && (links?.Count ?? 0) < MaxLinks; i++)
        {
            var context = producers[i].Item.TraceContext;
            if (context == default || !(seen ??= []).Add(context.SpanId)) continue;
            (links ??= []).Add(new ActivityLink(context));
        }
        return links;
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
