namespace Klaviyo.Emulator;

/// <summary>A snapshot of one list and its members.</summary>
/// <param name="Id">List id.</param>
/// <param name="Name">List name.</param>
/// <param name="OptInProcess"><c>single_opt_in</c> or <c>double_opt_in</c>.</param>
/// <param name="ProfileIds">Member profile ids in the order they joined.</param>
public sealed record EmulatedList(string Id, string Name, string OptInProcess, IReadOnlyList<string> ProfileIds)
{
    /// <summary>Profiles subscribed to this double opt-in list that have not confirmed yet (not members, not subscribed).</summary>
    public IReadOnlyList<string> PendingProfileIds { get; init; } = [];
}
