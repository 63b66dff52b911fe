using System.Collections.Concurrent;
using System.Text.Json;
using Klaviyo.Destinations;
using Klaviyo.Destinations.Redis;
using Klaviyo.Destinations.ScaleOutSample;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// One replica of a shop's API. Run several of them against one Redis: they share one Klaviyo rate budget and one durable
// queue (Klaviyo:QueueStorage = Redis), so any replica delivers what another accepted, and a replica that dies leaves
// nothing behind. Configured like any ASP.NET Core app: appsettings.json, then environment variables
// (Klaviyo__ApiKey, Klaviyo__Redis__Configuration, ASPNETCORE_URLS, …). See docs/scale-out.md.
var builder = WebApplication.CreateBuilder(args);

var klaviyo = builder.Configuration.GetSection("Klaviyo");
var refusals = new Refusals();
builder.Services.AddSingleton(refusals);
builder.Services.AddKlaviyoDestinations(klaviyo, options => options.OnOutcome = refusals.Record);
builder.Services.AddKlaviyoRedis(klaviyo);
builder.Services.AddHealthChecks().AddKlaviyoDestinations().AddKlaviyoRedis();

var app = builder.Build();
var storeWaitCheck = app.Configuration.GetValue("Sample:StoreWaitCheck", TimeSpan.FromMilliseconds(100));

app.MapPost("/identify", (IdentifyRequest request, Analytics analytics, IServiceProvider services, CancellationToken cancel) =>
{
    var messageId = request.MessageId ?? Guid.NewGuid().ToString("N");
    var customer = new Customer(request.Email, request.FirstName, request.LastName, request.Phone,
        request.City is null && request.Country is null ? null : new CustomerAddress(request.City, request.Country));
    return Accept(analytics.IdentifyAsync(request.UserId, customer, new MessageOptions { MessageId = messageId }, cancel), messageId, services, cancel);
});

app.MapPost("/orders", (OrderRequest request, Analytics analytics, IServiceProvider services, CancellationToken cancel) =>
{
    var messageId = request.MessageId ?? Guid.NewGuid().ToString("N");
    var order = new OrderCompleted(request.OrderId, request.Products.Sum(p => p.Price * p.Quantity), request.Currency, request.Products);
    return Accept(analytics.TrackAsync(request.UserId, order, new MessageOptions { MessageId = messageId }, cancel), messageId, services, cancel);
});

app.MapPost("/track", (TrackRequest request, Analytics analytics, IServiceProvider services, CancellationToken cancel) =>
{
    var messageId = request.MessageId ?? Guid.NewGuid().ToString("N");
    return Accept(analytics.TrackAsync(request.UserId, request.Event, request.Properties ?? [], new MessageOptions { MessageId = messageId }, cancel), messageId, services, cancel);
});

// Readiness: every check, with its status, description and data. A Degraded check (Redis or Klaviyo unreachable)
// answers 200 with "Degraded": alert on it, do not restart the pod for it.
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
// Liveness: only that the process answers.
app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = _ => false });

// What this replica holds of the shared queue (for operators, and for the scale-out tests).
app.MapGet("/replica", (IServiceProvider services) => services.GetService<IEventQueue>() is RedisEventQueue queue
    ? Results.Json(new { replica = queue.ReplicaNumber, partitions = queue.OwnedPartitions, unfinished = queue.Backlog.Unfinished, outage = queue.Outage })
    : Results.Json(new { replica = (long?)null, partitions = Array.Empty<int>(), unfinished = 0L, outage = (string?)null }));

app.Run();
return;

// 202 {"stored": true} once the shared queue holds the message (Redis acknowledged it: from then on any replica
// delivers it, even if this one dies). While Redis cannot be reached the message waits in this replica's memory
// (bounded by Klaviyo:Redis:Queue:MaxBuffered): 202 {"stored": false} with the reason, at once. Refused (the memory
// bound is reached, or the message is invalid): 503 or 422 with the reasons.
async Task<IResult> Accept(Task<bool> stored, string messageId, IServiceProvider services, CancellationToken cancel)
{
    var queue = services.GetService<IEventQueue>() as RedisEventQueue;
    while (!stored.IsCompleted)
    {
        if (queue?.OutageSummary is { } outage)
            return Results.Json(new { messageId, stored = false, reason = $"Redis cannot be reached ({outage}): the message is held in this replica's memory and stored when Redis answers." }, statusCode: StatusCodes.Status202Accepted);
        try
        {
            await stored.WaitAsync(storeWaitCheck, cancel);
        }
        catch (TimeoutException)
        {
        }
    }
    if (await stored) return Results.Json(new { messageId, stored = true }, statusCode: StatusCodes.Status202Accepted);
    var reasons = refusals.Take(messageId);
    // A queue refusal (full, closing) is worth retrying later, on this replica or another; an invalid message is not.
    var retry = reasons.Count == 0 || reasons.Any(r => r.Contains("queue", StringComparison.OrdinalIgnoreCase));
    return Results.Json(new { messageId, stored = false, reasons }, statusCode: retry ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status422UnprocessableEntity);
}

static Task WriteHealthAsync(HttpContext context, HealthReport report)
{
    context.Response.ContentType = "application/json";
    return context.Response.WriteAsync(JsonSerializer.Serialize(new
    {
        status = report.Status.ToString(),
        checks = report.Entries.ToDictionary(e => e.Key, e => new
        {
            status = e.Value.Status.ToString(),
            description = e.Value.Description,
            data = e.Value.Data.ToDictionary(d => d.Key, d => d.Value?.ToString()),
        }),
    }));
}

/// <summary>Why messages were refused or rejected, by message id, for the HTTP answer (kept briefly, bounded).</summary>
internal sealed class Refusals
{
    private readonly ConcurrentDictionary<string, List<string>> _byMessage = new(StringComparer.Ordinal);

    public void Record(DeliveryOutcome outcome)
    {
        if (outcome.Status != DeliveryStatus.Rejected || outcome.Reason is null) return;
        if (_byMessage.Count > 10_000) _byMessage.Clear();
        var reasons = _byMessage.GetOrAdd(outcome.MessageId, _ => []);
        lock (reasons) reasons.Add(outcome.Reason);
    }

    public IReadOnlyList<string> Take(string messageId) => _byMessage.TryRemove(messageId, out var reasons) ? reasons : [];
}
