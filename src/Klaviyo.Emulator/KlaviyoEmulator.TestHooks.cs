namespace Klaviyo.Emulator;

/// <summary>Test hooks (internal; visible to the test assemblies).</summary>
public sealed partial class KlaviyoEmulator
{
    /// <summary>Called inside bulk job apply steps with the job type and the row (or event) index; throw to make the apply step fail there.</summary>
    internal Action<string, int>? ApplyStepHook
    {
        get => _runtime.Store.ApplyStepHook;
        set => _runtime.Store.ApplyStepHook = value;
    }
}
