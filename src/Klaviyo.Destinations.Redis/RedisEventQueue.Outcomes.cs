using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The outcome writes that must not be lost while Redis cannot be reached: dead letters and retry states. A write that
/// fails is kept in memory (dead letters count against <see cref="RedisEventQueueOptions.MaxBuffered"/>) and tried again
/// by the read loop until Redis takes it.
/// <para><b>One outcome per item.</b> Dead-lettering is decided in the item's partition, by the lease holder: one script
/// (the partition's keys share a cluster slot) checks that this replica still holds the lease and that the entry is still
/// in the stream, then removes the entry and stages its letter in the partition (<see cref="RedisQueueKeys.Letters"/>);
/// the letter is then moved to the dead-letter list. When the lease has moved on meanwhile (a letter kept through an
/// outage that outlasted the lease), the letter is dropped: the new holder has the entry and decides its outcome, so the
/// item is never both delivered and dead-lettered. A staged letter is moved by whoever gets to it first (this replica, or
/// the next holder when this one died in between) and added at most once per entry (a marker key).</para>
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
    /// KEYS: a partition stream, its lease, its retry hash, its staged letters. ARGV: the group, the entry id, this
    /// replica's number, the letter. Answers 1 when the letter is staged (now, or by an earlier run whose answer was lost):
    /// the entry is removed from the stream and its letter waits in the partition to be moved; 0 when this replica no longer
    /// holds the lease, or the entry is gone (finished by another holder): the letter must be dropped.
    /// </summary>
    private const string StageLetterScript = """
        if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then return 1 end
        if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
        if #redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2]) == 0 then return 0 end
        redis.call('HSET', KEYS[4], ARGV[2], ARGV[4])
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        redis.call('HDEL', KEYS[3], ARGV[2])
        return 1
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
    private static readonly Action<ILogger, int, Exception?> s_letterDropped = LoggerMessage.Define<int>(LogLevel.Warning, new EventId(2110, "RedisQueueLetterDropped"),
        "The Redis queue dropped a dead letter it kept while Redis did not answer: partition {Partition} has moved to another replica meanwhile, which decides the item's outcome (it delivers the item or dead-letters it).");
    private static readonly Action<ILogger, int, Exception?> s_outcomesLeft = LoggerMessage.Define<int>(LogLevel.Warning, new EventId(2108, "RedisQueueOutcomesLeft"),
        "The Redis queue closed with {Count} dead letters not stored (Redis did not answer); their items stay in their partitions (or their letters, once staged there) for the next holder.");

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
    /// Dead-letters an item: its partition's lease holder stages the letter and removes the entry in one script, then
    /// moves the letter to the dead-letter list (a different cluster slot). When Redis does not answer, the letter is kept
    /// and the steps not done are tried again later; the entry stays in its partition until the first step is done.
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

    /// <summary>
    /// Stages the letter in its partition (removing the entry) unless that is done, then moves it to the dead-letter list;
    /// a letter whose partition has moved to another replica is dropped (that replica decides the item's outcome).
    /// </summary>
    private async Task WriteLetterAsync(PendingLetter pending)
    {
        if (!pending.Staged)
        {
            var staged = (long)await _db.ScriptEvaluateAsync(StageLetterScript,
                [_keys.Stream(pending.Partition), _keys.Lease(pending.Partition), _keys.Retry(pending.Partition), _keys.Letters(pending.Partition)],
                [Group, pending.EntryId, _me, pending.Json]).ConfigureAwait(false);
            if (staged == 0)
            {
                s_letterDropped(_logger, pending.Partition, null);
                return;
            }
            pending.Staged = true;
        }
        await MoveLetterAsync(pending.Partition, pending.EntryId, pending.Json).ConfigureAwait(false);
    }

    /// <summary>Moves a staged letter to the dead-letter list (once per entry: the marker), then deletes it from its partition.</summary>
    private async Task MoveLetterAsync(int partition, RedisValue entryId, RedisValue json)
    {
        var length = await MoveStagedLetterAsync(_db, _keys, partition, entryId, json, _options.MaxDeadLetters).ConfigureAwait(false);
        Interlocked.Exchange(ref _deadCount, Math.Min(length, _options.MaxDeadLetters));
    }

    /// <summary>
    /// Moves the letter staged in <paramref name="partition"/> under <paramref name="entryId"/> to the dead-letter list (at
    /// most once per entry, whoever moves it: a replica, the next holder, or the CLI), keeping the newest
    /// <paramref name="maxDeadLetters"/>, then deletes it from the partition. Returns the list's length.
    /// </summary>
    internal static async Task<long> MoveStagedLetterAsync(IDatabase db, RedisQueueKeys keys, int partition, RedisValue entryId, RedisValue json, long maxDeadLetters)
    {
        var length = (long)await db.ScriptEvaluateAsync(DeadLetterScript, [keys.Dead, keys.DeadLetterWritten(partition, entryId)],
            [json, maxDeadLetters, LetterMarkerSeconds]).ConfigureAwait(false);
        await db.HashDeleteAsync(keys.Letters(partition), entryId).ConfigureAwait(false);
        return length;
    }

    /// <summary>
    /// For a partition just taken: the letters a previous holder staged there and did not move (it died or lost Redis in
    /// between) are kept to be moved like this replica's own (read loop), so that a dead-letter list that cannot be
    /// reached now (another cluster node) does not hold the partition's reading back.
    /// </summary>
    private async Task AdoptStagedLettersAsync(int partition)
    {
        var staged = await _db.HashGetAllAsync(_keys.Letters(partition)).ConfigureAwait(false);
        if (staged.Length == 0) return;
        lock (_outcomeGate)
        {
            foreach (var letter in staged)
            {
                if (_pendingLetters.Exists(p => p.Partition == partition && p.EntryId == letter.Name)) continue;
                _pendingLetters.Add(new PendingLetter(partition, letter.Name, letter.Value.ToString()) { Staged = true });
            }
            _pendingLetterCount = _pendingLetters.Count;
        }
        _toRead.Set();
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

    /// <summary>
    /// Stores the dead letters and retry states kept while Redis did not answer, oldest first, each tried once per pass (read
    /// loop). One that fails (Redis down, or on a Redis Cluster the node of its partition or of the dead-letter list down)
    /// stays for the next pass without holding back the others, nor the reading of the partitions: the first failure is
    /// reported when the pass is done.
    /// </summary>
    private async Task StorePendingOutcomesAsync()
    {
        PendingLetter[] letters;
        lock (_outcomeGate) letters = [.. _pendingLetters];
        Exception? failed = null;
        foreach (var letter in letters)
        {
            try
            {
                await WriteLetterAsync(letter).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                failed ??= ex;
                continue;
            }
            lock (_outcomeGate)
            {
                _pendingLetters.Remove(letter);
                _pendingLetterCount = _pendingLetters.Count;
            }
        }
        KeyValuePair<(int Partition, string EntryId), string>[] retries;
        lock (_outcomeGate) retries = [.. _pendingRetries];
        foreach (var ((partition, entryId), state) in retries)
        {
            try
            {
                await WriteRetryStateAsync(partition, entryId, state).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                failed ??= ex;
                continue;
            }
            lock (_outcomeGate)
            {
                // Unless a newer state (or the item's end) came meanwhile.
                if (_pendingRetries.TryGetValue((partition, entryId), out var current) && current == state) _pendingRetries.Remove((partition, entryId));
            }
        }
        if (failed is not null) ReportOutage(failed.Message);
    }

    /// <summary>On dispose: reports the dead letters Redis never took (their items stay pending in their streams).</summary>
    private void ReportOutcomesLeft()
    {
        var left = PendingLetters;
        if (left > 0) s_outcomesLeft(_logger, left, null);
    }

    private sealed record PendingLetter(int Partition, RedisValue EntryId, string Json)
    {
        /// <summary>The letter is staged in its partition and its entry removed: only the move to the dead-letter list is left.</summary>
        public bool Staged { get; set; }
    }
}
