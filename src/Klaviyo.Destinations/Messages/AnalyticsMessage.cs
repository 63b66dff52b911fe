namespace Klaviyo.Destinations;

/// <summary>
/// One call to <see cref="Analytics"/> as it travels through the plugin timeline. Plugins may change the mutable
/// members or drop the message by returning null.
/// </summary>
public sealed class AnalyticsMessage
{
    internal AnalyticsMessage(MessageType type, string? userId, MessageOptions options, string messageId, DateTimeOffset timestamp, MessagePayload payload)
    {
        Type = type;
        UserId = userId;
        Options = options;
        MessageId = messageId;
        Timestamp = timestamp;
        Payload = payload;
        AnonymousId = options.AnonymousId;
    }

    /// <summary>
    /// Creates a message as <see cref="Analytics"/> does (for plugins, tools and tests): the message id comes from
    /// <see cref="MessageOptions.MessageId"/> or is generated, the time from <see cref="MessageOptions.Timestamp"/> or
    /// <paramref name="now"/>.
    /// </summary>
    public static AnalyticsMessage Create(MessageType type, string? userId, string? name, MessagePayload payload, MessageOptions? options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payload);
        options ??= MessageOptions.None;
        return new AnalyticsMessage(type, string.IsNullOrEmpty(userId) ? null : userId, options,
            options.MessageId ?? MessageIds.Next(), options.Timestamp ?? now, payload)
        {
            Name = name,
        };
    }

    /// <summary>Which call this is.</summary>
    public MessageType Type { get; }

    /// <summary>Your id of the person, if known.</summary>
    public string? UserId { get; set; }

    /// <summary>The anonymous id of the person, if any.</summary>
    public string? AnonymousId { get; set; }

    /// <summary>The message id (unique per call).</summary>
    public string MessageId { get; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>The event name (Track), page or screen name (Page/Screen), group id (Group) or previous id (Alias).</summary>
    public string? Name { get; set; }

    /// <summary>The options of the call.</summary>
    public MessageOptions Options { get; }

    /// <summary>The traits or properties: a typed model, a dictionary or JSON.</summary>
    public MessagePayload Payload { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Type} {Name} (messageId {MessageId}, userId {UserId ?? "-"})";
}
