namespace Klaviyo.Destinations;

/// <summary>What came back from one request: the status (0 when no answer arrived), the body and the wait Klaviyo asked for.</summary>
internal sealed record ApiAnswer(int Status, string? ReasonPhrase, byte[] Body, TimeSpan? RetryAfter, string? Failure)
{
    /// <summary>2xx.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>Worth retrying: no answer (timeout, connection failure), 408, 429 or 5xx.</summary>
    public bool IsTransient => Status is 0 or 408 or 429 or >= 500;

    /// <summary>401 or 403: Klaviyo refused the API key (or its scopes), whatever the request carried.</summary>
    public bool RefusesKey => Status is 401 or 403;

    /// <summary>"Klaviyo answered 400 Bad Request: detail" or the failure.</summary>
    public string Describe(string? detail) =>
        Failure ?? $"Klaviyo answered {Status} {ReasonPhrase}{(detail is null ? "" : ": " + detail)}";
}
