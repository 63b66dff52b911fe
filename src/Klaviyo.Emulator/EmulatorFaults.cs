namespace Klaviyo.Emulator;

/// <summary>Misbehaviour to inject into <c>/api/*</c> requests. Immutable; replace it with <see cref="KlaviyoEmulator.SetFaults"/>.</summary>
public sealed record EmulatorFaults
{
    /// <summary>No faults.</summary>
    public static EmulatorFaults None { get; } = new();

    /// <summary>Fraction (0–1) of requests answered with <see cref="FailureStatusCode"/> before they are processed.</summary>
    public double FailureRate { get; init; }

    /// <summary>Status for injected failures: 500, 502, 503 (default) or 504.</summary>
    public int FailureStatusCode { get; init; } = 503;

    /// <summary>Delay added before each request is processed (real time on the emulator's <see cref="TimeProvider"/>, not scaled).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Fraction (0–1) of requests whose connection is aborted without a response.</summary>
    public double ResetRate { get; init; }

    /// <summary>The next N requests fail with <see cref="FailureStatusCode"/> regardless of <see cref="FailureRate"/>.</summary>
    public int FailNext { get; init; }

    /// <summary>Until when the API is "down" (emulator clock); null when up. Set through <see cref="KlaviyoEmulator.GoDown"/> or <c>downSeconds</c>.</summary>
    public DateTimeOffset? DownUntil { get; init; }

    /// <summary>How a down API answers: 503 (default) or an aborted connection.</summary>
    public EmulatorDownMode DownMode { get; init; }
}
