namespace Klaviyo.Emulator.State;

/// <summary>An asynchronous bulk job: queued until its due time, then applied once by <see cref="EmulatorStore.Pump"/>.</summary>
internal sealed class JobRecord
{
    public JobRecord(string id, string type, DateTimeOffset createdAt, DateTimeOffset dueAt, int totalCount, Action<JobRecord> apply)
    {
        Id = id;
        Type = type;
        CreatedAt = createdAt;
        DueAt = dueAt;
        TotalCount = totalCount;
        Apply = apply;
    }

    public string Id { get; }

    public string Type { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset DueAt { get; }

    public Action<JobRecord> Apply { get; }

    public string Status { get; set; } = "queued";

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public int TotalCount { get; }

    public int CompletedCount { get; set; }

    public int FailedCount { get; set; }

    public List<string> ListIds { get; } = [];

    public List<string> ProfileIds { get; } = [];

    public List<ImportErrorRecord> Errors { get; } = [];
}
