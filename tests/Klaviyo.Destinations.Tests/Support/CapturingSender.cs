using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Tests.Support;

/// <summary>A sender that records the request each item would make and answers from a script (default: delivered).</summary>
internal sealed class CapturingSender : IKlaviyoSender
{
    public ConcurrentQueue<(string Path, JsonObject Body, QueuedItem Item)> Requests { get; } = new();

    public Func<QueuedItem, int, SendResult>? Script { get; set; }

    public Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        var body = JsonNode.Parse(RequestComposer.SingleBody(item))!.AsObject();
        Requests.Enqueue((RequestComposer.PathFor(item), body, item));
        return Task.FromResult(Script?.Invoke(item, item.Attempts) ?? new SendResult(SendStatus.Delivered, 202));
    }

    public List<JsonObject> Profiles() => Requests.Where(r => r.Path == RequestComposer.ProfileImportPath)
        .Select(r => r.Body["data"]!["attributes"]!.AsObject()).ToList();

    public List<JsonObject> Events() => Requests.Where(r => r.Path == RequestComposer.EventsPath)
        .Select(r => r.Body["data"]!["attributes"]!.AsObject()).ToList();

    public static string Metric(JsonObject eventAttributes) => (string)eventAttributes["metric"]!["data"]!["attributes"]!["name"]!;

    public static JsonObject EventProfile(JsonObject eventAttributes) => eventAttributes["profile"]!["data"]!["attributes"]!.AsObject();
}

/// <summary>An <see cref="Analytics"/> wired to a <see cref="CapturingSender"/>, collecting outcomes.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public Harness(Action<KlaviyoDestinationOptions>? configure = null)
    {
        var options = new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_test_secret_123", RetryBaseDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        options.OnOutcome = o => Outcomes.Enqueue(o);
        Analytics = new Analytics(options, sender: Sender);
    }

    public CapturingSender Sender { get; } = new();

    public ConcurrentQueue<DeliveryOutcome> Outcomes { get; } = new();

    public Analytics Analytics { get; }

    public async Task FlushAsync() => await Analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

    public List<DeliveryOutcome> Rejected() => Outcomes.Where(o => o.Status == DeliveryStatus.Rejected).ToList();

    public ValueTask DisposeAsync() => Analytics.DisposeAsync();
}

internal static class Json
{
    public static string? Str(JsonNode? node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            if (current is not JsonObject o || !o.TryGetPropertyValue(part, out current)) return null;
        }
        return current?.GetValueKind() == JsonValueKind.String ? current.GetValue<string>() : current?.ToJsonString();
    }

    public static bool Has(JsonNode? node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            if (current is not JsonObject o || !o.TryGetPropertyValue(part, out current)) return false;
        }
        return true;
    }
}
