namespace Klaviyo.Destinations;

/// <summary>Deleting dead letters (<c>klaviyo-dest dead-letters --purge</c>).</summary>
public sealed partial class SqliteEventQueue
{
    /// <summary>Deletes the dead letters (all, or those with an id in <paramref name="ids"/>); returns how many were deleted.</summary>
    internal async Task<int> PurgeDeadLettersAsync(IReadOnlyCollection<long>? ids, CancellationToken cancellationToken = default)
    {
        await _dbGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_stopping && _writer.IsCompleted, this);
            int purged;
            using (var tx = _db.Begin())
            {
                purged = _db.DeleteDeadLetters(tx, ids);
                tx.Commit();
            }
            Interlocked.Exchange(ref _deadLetterCount, _db.DeadLetterCount());
            return purged;
        }
        finally
        {
            _dbGate.Release();
        }
    }
}
