namespace Klaviyo.Emulator.State;

/// <summary>Roll-back support for job apply steps (<see cref="StoreUndo"/>) and the test hook that makes one fail.</summary>
internal sealed partial class EmulatorStore
{
    private readonly List<StoreUndo> _undos = [];

    /// <summary>The last sequence number given to a profile or list (those created later are newer).</summary>
    public long LastSequence => _sequence;

    /// <summary>Test hook: called inside job apply steps with the job type and the row (or event) index; an exception it throws is a failure inside apply.</summary>
    internal Action<string, int>? ApplyStepHook { get; set; }

    /// <summary>Starts recording what changes from here on, so it can be rolled back; dispose it to stop (commit).</summary>
    public StoreUndo BeginUndo()
    {
        var undo = new StoreUndo(this);
        _undos.Add(undo);
        return undo;
    }

    internal void EndUndo(StoreUndo undo) => _undos.Remove(undo);

    /// <summary>Called before a profile that may already exist is changed inside a job.</summary>
    public void Protect(ProfileRecord profile)
    {
        foreach (var undo in _undos)
        {
            undo.Protect(profile);
        }
    }

    /// <summary>Called before a profile's membership (or pending membership) of a list is changed inside a job.</summary>
    public void ProtectMembership(ListRecord list, string profileId)
    {
        foreach (var undo in _undos)
        {
            undo.ProtectMembership(list, profileId);
        }
    }

    public void OnApplyStep(string jobType, int index) => ApplyStepHook?.Invoke(jobType, index);
}
