namespace Klaviyo.Emulator.State;

/// <summary>A stored list with its members (profile id → time joined).</summary>
internal sealed class ListRecord
{
    public ListRecord(string id, long sequence, string name, string optInProcess, DateTimeOffset created)
    {
        Id = id;
        Sequence = sequence;
        Name = name;
        OptInProcess = optInProcess;
        Created = created;
        Updated = created;
    }

    public string Id { get; }

    /// <summary>Creation order.</summary>
    public long Sequence { get; }

    public string Name { get; set; }

    public string OptInProcess { get; set; }

    public DateTimeOffset Created { get; }

    public DateTimeOffset Updated { get; set; }

    public Dictionary<string, DateTimeOffset> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Profiles subscribed to a double opt-in list that have not confirmed yet (profile id → time asked).</summary>
    public Dictionary<string, DateTimeOffset> Pending { get; } = new(StringComparer.Ordinal);
}
