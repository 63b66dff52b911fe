using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The outcome writes that must not be lost while Redis cannot be reached: dead letters and retry states. A write that
/// fails is kept in memory (dead letters count against <see cref="RedisEventQueueOptions.MaxBuffered"/>) and tried again
/// by the read loop until Redis takes it. A dead-lettered item stays in its partition stream until its letter is
/// written, so a replica that dies first leaves the item to the next holder (delivered or dead-lettered again, never
/// lost); the letter is written at most once per stream entry (a marker key), so a write retried after its answer was
/// lost, or a second dead-lettering of the same entry after a crash, adds no second letter.
/// </summary>
public sealed partial class RedisEventQueue
{
    /// <summary>How long the marker of a written dead letter lives: longer than an entry can stay pending after its letter was written.</summary>
    private const int LetterMarkerSeconds = 24 * 60 * 60;

    /// <summary>
    /// KEYS: the dead-letter list, the entry's letter marker. ARGV: the letter, the most letters kept, the marker's life
    /// in seconds. Adds the letter unless the marker says it was added already; answers the list's length.
    /// </summary>
    private const string DeadLetterScript = """
        if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[3])) then
          redis.call('RPUSH', KEYS[1], ARGV[1])
          redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
        end
        return redis.call('LLEN', KEYS[1])
        """;

    /// <summary>
    /// KEYS: a partition stream, its retry hash. ARGV: the entry id, the retry state. Records the state only while the
    /// entry is still in the stream (a late write must not leave a state behind for an item finished meanwhile).
    /// </summary>
    private const string RetryStateScript = """
        if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        return 1
        """;

    private static readonly Action<ILogger, string, Exception?> s_outcomeKept = LoggerMessage.Define<string>(LogLevel.Warning, new EventId(2107, "RedisQueueOutcomeKept"),
        "The Redis queue could not store a dead letter or retry state ({Reason}); it is kept in memory and stored when Redis answers (a dead-lettered item stays in its partition until then).");
    private static readonly Action<ILogger, int, Exception?> s_outcomesLeft = LoggerMessage.Define<int>(LogLevel.Warning, new EventId(2108, "RedisQueueOutcomesLeft"),
        "The Redis queue closed with {Count} dead letters not stored (Redis did not answer); their items stay in their partitions and the next holder delivers them again.");

    private readonly Lock _outcomeGate = new();
    // Dead letters not yet stored, oldest first, with their entries (still pending in their streams).
    private readonly List<PendingLetter> _pendingLetters = [];
    // The latest retry state not yet stored, by partition and entry id.
    private readonly Dictionary<(int Partition, string EntryId), string> _pendingRetries = [];
    private int _pendingLetterCount;

    /// <summary>Dead letters waiting in memory for Redis (counted in <see cref="DeadLetterCount"/> and against MaxBuffered).</summary>
    internal int PendingLetters => Volatile.Read(ref _pendingLetterCount);

    /// <summary>Retry states waiting in memory for Redis.</summary>
    internal int PendingRetryStates
    {
        get { lock (_outcomeGate) return _pendingRetries.Count; }
    }

    /// <summary>Whether the entry is being dead-lettered here (its letter not stored yet): a claim must not hand it out again.</summary>
    private bool IsBeingDeadLettered(int partition, RedisValue entryId)
    {
        if (Volatile.Read(ref _pendingLetterCount) == 0) return false;
        lock (_outcomeGate) return _pendingLetters.Exists(p => p.Partition == partition && p.EntryId == entryId);
    }

    /// <summary>
    /// Stores the dead letter, then removes the item from its partition: two steps, because the dead-letter list and the
    /// partition are in different cluster slots. When Redis does not answer, the letter is kept and both steps are tried
    /// again later; the item stays in its partition until they are done.
    /// </summary>
    private async Task StoreDeadLetterAsync(Tracked tracked, System.Text.Json.Nodes.JsonObject letter)
    {
        var pending = new PendingLetter(tracked.Partition, tracked.EntryId, letter.ToJsonString());
        lock (_outcomeGate) _pendingRetries.Remove((tracked.Partition, tracked.EntryId.ToString()));
        try
        {
            await WriteLetterAsync(pending).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            lock (_outcomeGate)
            {
                _pendingLetters.Add(pending);
                _pendingLetterCount = _pendingLetters.Count;
            }
            s_outcomeKept(_logger, ex.Message, null);
        }
        finally
        {
            Finish(tracked.Sequence);
        }
    }

    /// <summary>Adds the letter (once per entry) and removes its entry from the partition.</summary>
    private async Task WriteLetterAsync(PendingLetter pending)
    {
        var length = (long)await _db.ScriptEvaluateAsync(DeadLetterScript, [_keys.Dead, _keys.DeadLetterWritten(pending.Partition, pending.EntryId)],
            [pending.Json, _options.MaxDeadLetters, LetterMarkerSeconds]).ConfigureAwait(false);
        Interlocked.Exchange(ref _deadCount, Math.Min(length, _options.MaxDeadLetters));
        await RemoveEntryAsync(pending.Partition, pending.EntryId).ConfigureAwait(false);
    }

    /// <summary>Records a retry state; kept in memory when Redis does not answer (the latest one per item).</summary>
    private async Task StoreRetryStateAsync(int partition, RedisValue entryId, string state)
    {
        var key = (partition, entryId.ToString());
        lock (_outcomeGate) _pendingRetries.Remove(key);
        try
        {
            await WriteRetryStateAsync(partition, entryId, state).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            lock (_outcomeGate) _pendingRetries[key] = state;
            s_outcomeKept(_logger, ex.Message, null);
        }
    }

    private Task<RedisResult> WriteRetryStateAsync(int partition, RedisValue entryId, string state) =>
        _db.ScriptEvaluateAsync(RetryStateScript, [_keys.Stream(partition), _keys.Retry(partition)], [entryId, state]);

    /// <summary>An item finished: a retry state still waiting for Redis is not needed any more.</summary>
    private void ForgetRetryState(int partition, RedisValue entryId)
    {
        lock (_outcomeGate) _pendingRetries.Remove((partition, entryId.ToString()));
    }

    /// <summary>Stores the dead letters and retry states kept while Redis did not answer, oldest first (read loop; throws when Redis still does not answer).</summary>
    private async Task StorePendingOutcomesAsync()
    {
        while (true)
        {
            PendingLetter? next;
            lock (_outcomeGate) next = _pendingLetters.Count > 0 ? _pendingLetters[0] : null;
            if (next is null) break;
            await WriteLetterAsync(next).ConfigureAwait(false);
            lock (_outcomeGate)
            {
                _pendingLetters.Remove(next);
                _pendingLetterCount = _pendingLetters.Count;
            }
        }
        KeyValuePair<(int Partition, string EntryId), string>[] retries;
        lock (_outcomeGate) retries = [.. _pendingRetries];
        foreach (var ((partition, entryId), state) in retries)
        {
            await WriteRetryStateAsync(partition, entryId, state).ConfigureAwait(false);
            lock (_outcomeGate)
            {
                // Unless a newer state (or the item's end) came meanwhile.
                if (_pendingRetries.TryGetValue((partition, entryId), out var current) && current == state) _pendingRetries.Remove((partition, entryId));
            }
        }
    }

    /// <summary>On dispose: reports the dead letters Redis never took (their items stay pending in their streams).</summary>
    private void ReportOutcomesLeft()
    {
        var left = PendingLetters;
        if (left > 0) s_outcomesLeft(_logger, left, null);
    }

    private sealed record PendingLetter(int Partition, RedisValue EntryId, string Json);
}
