using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>
/// Everything the emulator holds: profiles with identifier indexes, events, metrics, lists and jobs. Every access
/// goes through <see cref="Sync"/>; <see cref="Pump"/> applies the jobs whose due time has passed, so job completion
/// follows the <see cref="TimeProvider"/> (a fake clock in tests) with no background timers.
/// </summary>
internal sealed partial class EmulatorStore
{
    private readonly Dictionary<string, Dictionary<string, string>> _indexes = new(StringComparer.Ordinal);
    private long _sequence;

    public EmulatorStore(TimeProvider time, IdGenerator ids)
    {
        Time = time;
        Ids = ids;
        foreach (var identifier in ProfileFields.Identifiers)
        {
            _indexes[identifier] = new Dictionary<string, string>(
                identifier == ProfileFields.Email ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        }
    }

    public Lock Sync { get; } = new();

    public TimeProvider Time { get; }

    public IdGenerator Ids { get; }

    public Dictionary<string, ProfileRecord> Profiles { get; } = new(StringComparer.Ordinal);

    public List<EventRecord> Events { get; } = [];

    public HashSet<string> EventKeys { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> MetricIdsByName { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ListRecord> Lists { get; } = new(StringComparer.Ordinal);

    public List<JobRecord> Jobs { get; } = [];

    /// <summary>Single-endpoint events dropped because profile + metric + unique_id was already seen.</summary>
    public int DuplicateEventsDropped { get; set; }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Applies due jobs in the order they were accepted. Call with <see cref="Sync"/> held.</summary>
    public void Pump()
    {
        var now = Now;
        foreach (var job in Jobs)
        {
            if (job.Status == "queued" && job.DueAt <= now)
            {
                job.StartedAt = now;
                job.Status = "processing";
                // A job applies whole or not at all: a failure inside its apply step rolls back what it had done.
                // (Profile import rows fail one by one inside their own roll-back, as Klaviyo reports them per row.)
                using (var undo = BeginUndo())
                {
                    try
                    {
                        job.Apply(job);
                        job.Status = "complete";
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        undo.Rollback();
                        job.Status = "cancelled";
                        job.CompletedCount = 0;
                        job.FailedCount = job.TotalCount;
                        job.ProfileIds.Clear();
                        job.Errors.Clear();
                        job.Errors.Add(new ImportErrorRecord(Ids.NewUlid(now), "error", "The job failed.",
                            $"The job could not be applied ({ex.Message}); none of it was applied.", null, null));
                    }
                }

                job.CompletedAt = now;
            }
        }
    }

    public ProfileRecord? FindBy(string identifier, string value) =>
        _indexes[identifier].TryGetValue(value, out var id) ? Profiles.GetValueOrDefault(id) : null;

    public ProfileRecord CreateProfile()
    {
        var profile = new ProfileRecord(Ids.NewUlid(Now), ++_sequence, Now);
        Profiles[profile.Id] = profile;
        return profile;
    }

    public void SetIdentifier(ProfileRecord profile, string identifier, string? value)
    {
        var index = _indexes[identifier];
        if (profile.Identifiers.TryGetValue(identifier, out var old))
        {
            index.Remove(old);
            profile.Identifiers.Remove(identifier);
        }

        if (value is not null)
        {
            profile.Identifiers[identifier] = value;
            index[value] = profile.Id;
        }
    }

    public string MetricIdFor(string name)
    {
        if (!MetricIdsByName.TryGetValue(name, out var id))
        {
            id = Ids.NewShortId();
            MetricIdsByName[name] = id;
        }

        return id;
    }

    public ListRecord CreateList(string? id, string name, string optInProcess)
    {
        var list = new ListRecord(id ?? Ids.NewShortId(), ++_sequence, name, optInProcess, Now);
        Lists[list.Id] = list;
        return list;
    }

    /// <summary>Removes a profile with its events, list memberships and identifier index entries.</summary>
    public void DeleteProfile(ProfileRecord profile)
    {
        foreach (var identifier in profile.Identifiers.Keys.ToArray())
        {
            SetIdentifier(profile, identifier, null);
        }

        Profiles.Remove(profile.Id);
        Events.RemoveAll(e => e.ProfileId == profile.Id);
        EventKeys.RemoveWhere(k => k.StartsWith(profile.Id + "\n", StringComparison.Ordinal));
        foreach (var list in Lists.Values)
        {
            list.Members.Remove(profile.Id);
            list.Pending.Remove(profile.Id);
        }
    }

    public void Clear()
    {
        Profiles.Clear();
        Events.Clear();
        EventKeys.Clear();
        MetricIdsByName.Clear();
        Lists.Clear();
        Jobs.Clear();
        DuplicateEventsDropped = 0;
        foreach (var index in _indexes.Values)
        {
            index.Clear();
        }
    }

    public IEnumerable<string> ListIdsOf(string profileId) =>
        Lists.Values.Where(l => l.Members.ContainsKey(profileId)).Select(l => l.Id);

    public EmulatedProfile Snapshot(ProfileRecord p) => new(
        p.Id,
        new Dictionary<string, string>(p.Identifiers, StringComparer.Ordinal),
        (JsonObject)p.Attributes.DeepClone(),
        (JsonObject)p.Location.DeepClone(),
        (JsonObject)p.Properties.DeepClone(),
        new Dictionary<string, EmulatedConsent>(p.Subscriptions, StringComparer.Ordinal),
        ListIdsOf(p.Id).ToArray(),
        p.Created,
        p.Updated);

    public static EmulatedEvent Snapshot(EventRecord e) => new(
        e.Id, e.ProfileId, e.MetricId, e.MetricName, (JsonObject)e.Properties.DeepClone(), e.Time, e.Value,
        e.ValueCurrency, e.UniqueId, e.Backfill, e.Source);

    public static EmulatedList Snapshot(ListRecord l) => new(l.Id, l.Name, l.OptInProcess, l.Members.Keys.ToArray())
    {
        PendingProfileIds = l.Pending.Keys.ToArray(),
    };

    public static EmulatedJob Snapshot(JobRecord j) => new(
        j.Id, j.Type, j.Status, j.CreatedAt, j.CompletedAt, j.TotalCount, j.CompletedCount, j.FailedCount,
        j.Errors.Select(e => new KlaviyoApiError(400, e.Code, e.Title, e.Detail, e.Pointer)).ToArray());
}
