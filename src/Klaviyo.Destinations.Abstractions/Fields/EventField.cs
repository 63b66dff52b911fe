namespace Klaviyo.Destinations;

/// <summary>A top-level Klaviyo event attribute (not a property) that a track property can fill.</summary>
public enum EventField
{
    /// <summary>No reserved field: the value is an event property.</summary>
    None = 0,
    /// <summary><c>value</c> — the monetary value of the event (replaces legacy <c>$value</c>).</summary>
    Value,
    /// <summary><c>value_currency</c> — ISO-4217 code of <see cref="Value"/>.</summary>
    ValueCurrency,
    /// <summary><c>unique_id</c> — the dedupe key (replaces legacy <c>$event_id</c>).</summary>
    UniqueId,
    /// <summary><c>time</c> — when the event happened (ISO-8601, millisecond precision at most).</summary>
    Time,
}
