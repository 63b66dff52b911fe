namespace Klaviyo.Emulator;

/// <summary>Request counts by endpoint (e.g. <c>POST /api/events</c>) and status code. Thread-safe.</summary>
public sealed class EmulatorCounters
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<int, int>> _counts = new(StringComparer.Ordinal);

    /// <summary>Requests to <paramref name="endpoint"/> answered with <paramref name="status"/>; status 0 counts aborted connections.</summary>
    /// <param name="endpoint">Method and spec path template, e.g. <c>POST /api/lists/{id}/relationships/profiles</c>.</param>
    /// <param name="status">HTTP status code.</param>
    public int Get(string endpoint, int status)
    {
        lock (_lock)
        {
            return _counts.TryGetValue(endpoint, out var byStatus) ? byStatus.GetValueOrDefault(status) : 0;
        }
    }

    /// <summary>All requests to <paramref name="endpoint"/>, whatever the answer.</summary>
    /// <param name="endpoint">Method and spec path template.</param>
    public int Total(string endpoint)
    {
        lock (_lock)
        {
            return _counts.TryGetValue(endpoint, out var byStatus) ? byStatus.Values.Sum() : 0;
        }
    }

    /// <summary>All requests answered with <paramref name="status"/>, over all endpoints.</summary>
    /// <param name="status">HTTP status code (0 = aborted connection).</param>
    public int WithStatus(int status)
    {
        lock (_lock)
        {
            return _counts.Values.Sum(s => s.GetValueOrDefault(status));
        }
    }

    /// <summary>A copy of all counts: endpoint → status → count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, int>> Snapshot()
    {
        lock (_lock)
        {
            return _counts.ToDictionary(
                kv => kv.Key,
                kv => (IReadOnlyDictionary<int, int>)new SortedDictionary<int, int>(kv.Value),
                StringComparer.Ordinal);
        }
    }

    internal void Record(string endpoint, int status)
    {
        lock (_lock)
        {
            if (!_counts.TryGetValue(endpoint, out var byStatus))
            {
                _counts[endpoint] = byStatus = [];
            }

            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
        }
    }

    internal void Clear()
    {
        lock (_lock)
        {
            _counts.Clear();
        }
    }
}
