namespace Klaviyo.Emulator.Faults;

/// <summary>Kinds of injected fault.</summary>
internal enum FaultKind
{
    None,
    Fail,
    Down,
    Reset,
}
