using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;

namespace Klaviyo.Emulator;

/// <summary>
/// Read access to what the emulator holds. Every property takes a fresh snapshot (applying bulk jobs whose delay has
/// passed first), so values never change under the caller.
/// </summary>
public sealed class EmulatorState
{
    private readonly EmulatorRuntime _runtime;

    internal EmulatorState(EmulatorRuntime runtime) => _runtime = runtime;

    /// <summary>All profiles, oldest first.</summary>
    public IReadOnlyList<EmulatedProfile> Profiles =>
        Read(s => s.Profiles.Values.OrderBy(p => p.Sequence).Select(s.Snapshot).ToArray());

    /// <summary>All accepted events in arrival order.</summary>
    public IReadOnlyList<EmulatedEvent> Events => Read(s => s.Events.Select(EmulatorStore.Snapshot).ToArray());

    /// <summary>All lists with their members.</summary>
    public IReadOnlyList<EmulatedList> Lists => Read(s => s.Lists.Values.OrderBy(l => l.Sequence).Select(EmulatorStore.Snapshot).ToArray());

    /// <summary>All bulk jobs (profile import, event bulk create, subscription, deletion) in arrival order.</summary>
    public IReadOnlyList<EmulatedJob> Jobs => Read(s => s.Jobs.Select(EmulatorStore.Snapshot).ToArray());

    /// <summary>Requests answered with 4xx/5xx (or aborted), oldest first, with the errors sent back.</summary>
    public IReadOnlyList<RejectedRequest> RejectedRequests => _runtime.RejectedRequests;

    /// <summary>Events sent to <c>POST /api/events</c> that were dropped silently as duplicates (same profile, metric and unique_id).</summary>
    public int DuplicateEventsDropped => Read(s => s.DuplicateEventsDropped);

    /// <summary>The profile with this email (case-insensitive), phone number or external id, or null.</summary>
    /// <param name="identifier">An email, E.164 phone number or external id.</param>
    public EmulatedProfile? FindProfile(string identifier) => Read(s =>
    {
        foreach (var field in ProfileFields.Identifiers)
        {
            if (s.FindBy(field, identifier) is { } p)
            {
                return s.Snapshot(p);
            }
        }

        return s.Profiles.TryGetValue(identifier, out var byId) ? s.Snapshot(byId) : null;
    });

    /// <summary>Events of one profile in arrival order.</summary>
    /// <param name="profileId">Klaviyo profile id.</param>
    public IReadOnlyList<EmulatedEvent> EventsOf(string profileId) =>
        Read(s => s.Events.Where(e => e.ProfileId == profileId).Select(EmulatorStore.Snapshot).ToArray());

    private T Read<T>(Func<EmulatorStore, T> read)
    {
        var store = _runtime.Store;
        lock (store.Sync)
        {
            store.Pump();
            return read(store);
        }
    }
}
