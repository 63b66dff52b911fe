using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Klaviyo.Destinations;

/// <summary>
/// The Segment-style client: <c>Identify</c>, <c>Track</c>, <c>Page</c>, <c>Screen</c>, <c>Group</c>, <c>Alias</c>.
/// Thread-safe; use one instance for the app (register it with <c>AddKlaviyoDestinations</c>). Calls never block on
/// the network and never throw for bad data: bad input is rejected per message with a reason (see
/// <see cref="KlaviyoDestinationOptions.OnOutcome"/>). Identity is per call; there is no hidden global user.
/// </summary>
public sealed class Analytics : IAsyncDisposable
{
    private readonly List<IAnalyticsPlugin> _plugins = new();
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient? _ownedHttp;
    private IAnalyticsPlugin[] _timeline = [];
    private int _disposed;

    /// <summary>Creates a client that delivers to Klaviyo (or the emulator at <see cref="KlaviyoDestinationOptions.BaseUrl"/>).</summary>
    /// <param name="options">Destination settings; validated here (fails fast with a fix).</param>
    /// <param name="httpClient">The HTTP client to use; one is created (and disposed with this client) when null.</param>
    /// <param name="loggerFactory">Logging; nothing is logged when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="queue">
    /// Where items wait for delivery. When null: per <see cref="KlaviyoDestinationOptions.QueueStorage"/>, a durable
    /// <see cref="SqliteEventQueue"/> at <see cref="KlaviyoDestinationOptions.QueuePath"/> or the default location (the
    /// default), or a bounded in-memory queue. The client owns the queue and disposes it.
    /// </param>
    /// <param name="sender">How items are sent; Klaviyo's HTTP API when null.</param>
    public Analytics(KlaviyoDestinationOptions options, HttpClient? httpClient = null, ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null, IEventQueue? queue = null, IKlaviyoSender? sender = null)
        : this(options, httpClient, loggerFactory, timeProvider, queue, sender, meterFactory: null)
    {
    }

    /// <summary>As the other constructor, with the meters created through <paramref name="meterFactory"/> (the host's, from DI).</summary>
    internal Analytics(KlaviyoDestinationOptions options, HttpClient? httpClient, ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider, IEventQueue? queue, IKlaviyoSender? sender, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("Klaviyo.Destinations");
        // The queue first: opening it can fail (path in use, folder not writable) before anything else is created.
        queue ??= options.QueueStorage == QueueStorage.Memory ? new InMemoryEventQueue(options.QueueCapacity, _time)
            : options.QueueStorage == QueueStorage.Redis ? throw new KlaviyoConfigurationException("Klaviyo:QueueStorage is Redis, but no Redis queue was provided: add the Klaviyo.Destinations.Redis package and call services.AddKlaviyoRedis(...) next to AddKlaviyoDestinations (it provides the queue), or pass a RedisEventQueue to the Analytics constructor.")
            : options.QueuePath is not null ? new SqliteEventQueue(options.CreateDurableQueueOptions(), _logger, _time)
            : DefaultQueueLocation.Open(options, _logger, _time);
        var metrics = new KlaviyoMetrics(meterFactory);
        if (sender is null)
        {
            // Connections recycled every 2 minutes, so DNS changes are seen.
            httpClient ??= _ownedHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };
            sender = new KlaviyoHttpSender(httpClient, options, metrics, _time);
        }
        Destination = new KlaviyoDestination(options, sender, queue, _time, loggerFactory, metrics);
        Add(Destination);
    }

    /// <summary>The Klaviyo destination plugin of this client.</summary>
    public KlaviyoDestination Destination { get; }

    /// <summary>Adds a plugin to the timeline.</summary>
    public void Add(IAnalyticsPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        lock (_gate)
        {
            _plugins.Add(plugin);
            _timeline = _plugins.OrderBy(p => p.Type).ToArray();
        }
    }

    /// <summary>Identifies a person with a <c>[KlaviyoProfile]</c> model, a dictionary, a <see cref="JsonElement"/> or a <see cref="JsonObject"/>.</summary>
    public void Identify<T>(string? userId, T traits, MessageOptions? options = null) =>
        Process(MessageType.Identify, userId, null, MessagePayload.From(traits), options);

    /// <summary>Identifies a person with dictionary traits (Segment spec names, mParticle <c>$</c> names, Amperity names).</summary>
    public void Identify(string? userId, IReadOnlyDictionary<string, object?> traits, MessageOptions? options = null) =>
        Process(MessageType.Identify, userId, null, MessagePayload.From(traits), options);

    /// <summary>Tracks a <c>[KlaviyoEvent("Name")]</c> model under its declared name.</summary>
    public void Track<T>(string? userId, T properties, MessageOptions? options = null) =>
        Process(MessageType.Track, userId, null, MessagePayload.From(properties), options);

    /// <summary>Tracks an event named <paramref name="eventName"/> with a model, a dictionary or JSON properties.</summary>
    public void Track<T>(string? userId, string eventName, T properties, MessageOptions? options = null) =>
        Process(MessageType.Track, userId, eventName, MessagePayload.From(properties), options);

    /// <summary>Tracks an event named <paramref name="eventName"/> without properties.</summary>
    public void Track(string? userId, string eventName) =>
        Process(MessageType.Track, userId, eventName, MessagePayload.Empty, null);

    /// <summary>Tracks an event named <paramref name="eventName"/> with dictionary properties.</summary>
    public void Track(string? userId, string eventName, IReadOnlyDictionary<string, object?>? properties = null, MessageOptions? options = null) =>
        Process(MessageType.Track, userId, eventName, properties is null ? MessagePayload.Empty : MessagePayload.From(properties), options);

    /// <summary>Records a page view (metric <see cref="KlaviyoDestinationOptions.PageEventName"/>, with the page name as property <c>name</c>).</summary>
    public void Page(string? userId, string? name, IReadOnlyDictionary<string, object?>? properties = null, MessageOptions? options = null) =>
        Process(MessageType.Page, userId, name, properties is null ? MessagePayload.Empty : MessagePayload.From(properties), options);

    /// <summary>Records a page view with an anonymous object (mapped by a generated interceptor), a dictionary or JSON properties.</summary>
    public void Page<T>(string? userId, string? name, T properties, MessageOptions? options = null) =>
        Process(MessageType.Page, userId, name, MessagePayload.From(properties), options);

    /// <summary>Records a screen view (metric <see cref="KlaviyoDestinationOptions.ScreenEventName"/>, with the screen name as property <c>name</c>).</summary>
    public void Screen(string? userId, string? name, IReadOnlyDictionary<string, object?>? properties = null, MessageOptions? options = null) =>
        Process(MessageType.Screen, userId, name, properties is null ? MessagePayload.Empty : MessagePayload.From(properties), options);

    /// <summary>Records a screen view with an anonymous object (mapped by a generated interceptor), a dictionary or JSON properties.</summary>
    public void Screen<T>(string? userId, string? name, T properties, MessageOptions? options = null) =>
        Process(MessageType.Screen, userId, name, MessagePayload.From(properties), options);

    /// <summary>Associates a person with a group: the group's <c>name</c> trait (or its id) becomes the profile's organization.</summary>
    public void Group(string? userId, string groupId, IReadOnlyDictionary<string, object?>? traits = null, MessageOptions? options = null) =>
        Process(MessageType.Group, userId, groupId, traits is null ? MessagePayload.Empty : MessagePayload.From(traits), options);

    /// <summary>Segment's alias. Klaviyo has no alias API; the call is reported as skipped with the reason.</summary>
    public void Alias(string userId, string previousId, MessageOptions? options = null) =>
        Process(MessageType.Alias, userId, previousId, MessagePayload.Empty, options);

    /// <summary>
    /// The person joined <paramref name="audience"/>: they are added to the audience's Klaviyo list
    /// (<see cref="KlaviyoDestinationOptions.AudienceLists"/>) without any change to their consent. Needs the person's
    /// email (in <paramref name="traits"/>, an Email identity or an email userId); the alternate identifier setting
    /// applies. Audience updates are bulk-forwarded (<see cref="KlaviyoDestinationOptions.AudienceFlushCount"/> /
    /// <see cref="KlaviyoDestinationOptions.AudienceFlushInterval"/>); see <c>docs/audiences.md</c>.
    /// </summary>
    public void AudienceEntered(string? userId, string audience, IReadOnlyDictionary<string, object?>? traits = null, MessageOptions? options = null) =>
        Process(MessageType.AudienceEntered, userId, audience, traits is null ? MessagePayload.Empty : MessagePayload.From(traits), options);

    /// <summary>As <see cref="AudienceEntered(string?, string, IReadOnlyDictionary{string, object?}?, MessageOptions?)"/>, with a <c>[KlaviyoProfile]</c> model or JSON traits.</summary>
    public void AudienceEntered<T>(string? userId, string audience, T traits, MessageOptions? options = null) =>
        Process(MessageType.AudienceEntered, userId, audience, MessagePayload.From(traits), options);

    /// <summary>
    /// The person left <paramref name="audience"/>: they are removed from the audience's Klaviyo list; their consent is
    /// not touched (they stay subscribed wherever else they are). An exit that follows an enter of the same person in
    /// the same flush window replaces it (the last one wins).
    /// </summary>
    public void AudienceExited(string? userId, string audience, IReadOnlyDictionary<string, object?>? traits = null, MessageOptions? options = null) =>
        Process(MessageType.AudienceExited, userId, audience, traits is null ? MessagePayload.Empty : MessagePayload.From(traits), options);

    /// <summary>As <see cref="AudienceExited(string?, string, IReadOnlyDictionary{string, object?}?, MessageOptions?)"/>, with a <c>[KlaviyoProfile]</c> model or JSON traits.</summary>
    public void AudienceExited<T>(string? userId, string audience, T traits, MessageOptions? options = null) =>
        Process(MessageType.AudienceExited, userId, audience, MessagePayload.From(traits), options);

    /// <summary>
    /// Records consents the person gave (true) or withdrew (false), by your app's consent names
    /// (<see cref="KlaviyoDestinationOptions.ConsentMapping"/>; <c>email_marketing</c>, <c>sms_marketing</c> and
    /// <c>sms_transactional</c> always work). Grants become a subscription job with <c>historical_import</c> and
    /// <c>consented_at</c> = the call's timestamp; withdrawals an unsubscription job, global unless
    /// <c>Integrations.Klaviyo.ListId</c> limits it to one list (then the profile must be in that list, see
    /// <see cref="KlaviyoDestinationOptions.UnsubscribeOutsideList"/>). Email consent needs an email, SMS consent a phone number.
    /// </summary>
    public void SetConsent(string? userId, IReadOnlyDictionary<string, bool> consents, IReadOnlyDictionary<string, object?>? traits = null, MessageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(consents);
        Process(MessageType.Consent, userId, null, traits is null ? MessagePayload.Empty : MessagePayload.From(traits), (options ?? MessageOptions.None).WithConsent(consents));
    }

    /// <summary>
    /// Requests a privacy deletion (GDPR/CCPA) of the profile named by <paramref name="profile"/>: Klaviyo deletes it with
    /// its events and list memberships. An external id is first resolved to Klaviyo's profile id (the deletion API
    /// accepts only id, email or phone number); unknown people are reported as skipped. <paramref name="userId"/> keeps
    /// the deletion in order after that person's earlier calls.
    /// </summary>
    public void DeleteProfile(string? userId, ProfileKey profile, MessageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Process(MessageType.DeleteProfile, userId, null, MessagePayload.From(new Dictionary<string, object?> { [profile.Field] = profile.Value }), options);
    }

    /// <summary>
    /// Sends a prepared message through the plugin timeline (replay tools, bridges from other pipelines). Build it
    /// with <see cref="AnalyticsMessage.Create"/>.
    /// </summary>
    public void Send(AnalyticsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Run(message);
    }

    /// <summary>
    /// Identifies a person like <see cref="Identify{T}(string?, T, MessageOptions?)"/> and completes when the profile is
    /// safe in the queue: on disk with a durable queue (<see cref="KlaviyoDestinationOptions.QueuePath"/>), at once with
    /// the in-memory queue. True when every part was accepted and kept; false when a part was rejected or refused (its
    /// outcome says why). It does not wait for Klaviyo; <see cref="FlushAsync"/> does.
    /// </summary>
    public Task<bool> IdentifyAsync<T>(string? userId, T traits, MessageOptions? options = null, CancellationToken cancellationToken = default) =>
        ProcessAsync(MessageType.Identify, userId, null, MessagePayload.From(traits), options, cancellationToken);

    /// <summary>Identifies a person with dictionary traits and completes when the profile is safe in the queue (see <see cref="IdentifyAsync{T}"/>).</summary>
    public Task<bool> IdentifyAsync(string? userId, IReadOnlyDictionary<string, object?> traits, MessageOptions? options = null, CancellationToken cancellationToken = default) =>
        ProcessAsync(MessageType.Identify, userId, null, MessagePayload.From(traits), options, cancellationToken);

    /// <summary>Tracks a <c>[KlaviyoEvent("Name")]</c> model and completes when its events are safe in the queue (see <see cref="IdentifyAsync{T}"/>).</summary>
    public Task<bool> TrackAsync<T>(string? userId, T properties, MessageOptions? options = null, CancellationToken cancellationToken = default) =>
        ProcessAsync(MessageType.Track, userId, null, MessagePayload.From(properties), options, cancellationToken);

    /// <summary>Tracks an event with a model, a dictionary or JSON properties and completes when it is safe in the queue (see <see cref="IdentifyAsync{T}"/>).</summary>
    public Task<bool> TrackAsync<T>(string? userId, string eventName, T properties, MessageOptions? options = null, CancellationToken cancellationToken = default) =>
        ProcessAsync(MessageType.Track, userId, eventName, MessagePayload.From(properties), options, cancellationToken);

    /// <summary>Tracks an event with dictionary properties and completes when it is safe in the queue (see <see cref="IdentifyAsync{T}"/>).</summary>
    public Task<bool> TrackAsync(string? userId, string eventName, IReadOnlyDictionary<string, object?>? properties = null, MessageOptions? options = null, CancellationToken cancellationToken = default) =>
        ProcessAsync(MessageType.Track, userId, eventName, properties is null ? MessagePayload.Empty : MessagePayload.From(properties), options, cancellationToken);

    /// <summary>Sends a prepared message like <see cref="Send"/> and completes when its items are safe in the queue (see <see cref="IdentifyAsync{T}"/>).</summary>
    public Task<bool> SendAsync(AnalyticsMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return RunAsync(message, cancellationToken);
    }

    /// <summary>
    /// Completes when every message sent before this call has a final outcome (delivered, rejected or expired); with a
    /// durable queue, also every item an earlier run left in it.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        foreach (var plugin in _timeline)
            if (plugin is IDestinationPlugin destination)
                await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Delivers what is queued (bounded by <see cref="KlaviyoDestinationOptions.ShutdownTimeout"/>) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var plugin in _timeline)
            if (plugin is IAsyncDisposable disposable)
                await disposable.DisposeAsync().ConfigureAwait(false);
        _ownedHttp?.Dispose();
    }

    private void Process(MessageType type, string? userId, string? name, MessagePayload payload, MessageOptions? options)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Run(AnalyticsMessage.Create(type, userId, name, payload, options, _time.GetUtcNow()));
    }

    private Task<bool> ProcessAsync(MessageType type, string? userId, string? name, MessagePayload payload, MessageOptions? options, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return RunAsync(AnalyticsMessage.Create(type, userId, name, payload, options, _time.GetUtcNow()), cancellationToken);
    }

    /// <summary>The timeline as in <see cref="Run"/>; each destination also reports when it holds the message safely.</summary>
    private async Task<bool> RunAsync(AnalyticsMessage message, CancellationToken cancellationToken)
    {
        var durable = new List<Task<bool>>(1);
        if (!RunTimeline(message, durable, cancellationToken)) return false;
        var all = true;
        foreach (var task in durable)
            if (!await task.ConfigureAwait(false)) all = false;
        return all;
    }

    private void Run(AnalyticsMessage message) => RunTimeline(message, null, CancellationToken.None);

    /// <summary>
    /// Runs the plugin timeline: each step sees the previous step's result; each destination sees the timeline's result
    /// (a destination's own changes do not leak to the next one). With <paramref name="durable"/>, destinations are asked
    /// to say when they hold the message safely. False when a step dropped the message or failed.
    /// </summary>
    private bool RunTimeline(AnalyticsMessage message, List<Task<bool>>? durable, CancellationToken cancellationToken)
    {
        AnalyticsMessage? current = message;
        foreach (var plugin in _timeline)
        {
            if (current is null) return false;
            try
            {
                if (durable is not null && plugin is IDestinationPlugin destination) durable.Add(destination.ExecuteDurablyAsync(current, cancellationToken).AsTask());
                else if (plugin.Type == PluginType.Destination) plugin.Execute(current);
                else current = plugin.Execute(current);
            }
            catch (Exception ex)
            {
                Log.PluginFailed(_logger, ex, current ?? message);
                if (plugin.Type != PluginType.Destination) return false;
            }
        }
        return true;
    }
}
