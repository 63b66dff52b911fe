namespace Klaviyo.Emulator;

/// <summary>The consent state of one channel of a profile, as set by the subscription bulk jobs.</summary>
/// <param name="Channel">Channel: <c>email</c>, <c>sms</c>, <c>whatsapp</c> or <c>push</c>.</param>
/// <param name="Type">Consent type: <c>marketing</c>, <c>transactional</c>, <c>open_tracking</c>, <c>conversational</c>.</param>
/// <param name="Consent"><c>SUBSCRIBED</c> or <c>UNSUBSCRIBED</c>.</param>
/// <param name="Timestamp">When the consent was recorded (emulator clock, or <c>consented_at</c> for historical imports).</param>
/// <param name="ListId">The list given with the job, if any.</param>
/// <param name="CustomSource">The job's <c>custom_source</c>, if any.</param>
public sealed record EmulatedConsent(
    string Channel,
    string Type,
    string Consent,
    DateTimeOffset Timestamp,
    string? ListId,
    string? CustomSource)
{
    /// <summary>Whether the consent was given by confirming a double opt-in.</summary>
    public bool DoubleOptIn { get; init; }
}
