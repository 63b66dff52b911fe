namespace Klaviyo.Emulator.Faults;

/// <summary>What the fault injector decided for one request.</summary>
internal sealed record FaultOutcome(FaultKind Kind, int Status, TimeSpan Remaining)
{
    public static FaultOutcome None { get; } = new(FaultKind.None, 0, TimeSpan.Zero);

    public static FaultOutcome Reset { get; } = new(FaultKind.Reset, 0, TimeSpan.Zero);
}
