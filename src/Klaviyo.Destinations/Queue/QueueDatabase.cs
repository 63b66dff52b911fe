using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations;

/// <summary>
/// The SQLite side of <see cref="SqliteEventQueue"/>: one connection in WAL mode with exclusive locking, the schema and
/// prepared statements. Not thread-safe: the queue serialises every use.
/// <code>
/// items(seq PK, bytes, attempts, not_before, first_taken, record, crc, enqueued) -- waiting or in flight, in sequence order
/// dead_letters(seq PK, failed_at, attempts, reason, record)           -- given up, kept for inspection and replay
/// </code>
/// Times are Unix milliseconds (UTC); <c>record</c> is a <see cref="QueuedItemCodec"/> record.
/// </summary>
internal sealed class QueueDatabase : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _retry;
    private readonly SqliteCommand _toDeadLetter;
    private readonly SqliteCommand _page;
    private readonly SqliteCommand _oldestWaiting;

    public QueueDatabase(string path, bool syncToDisk)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 5 };
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA locking_mode=EXCLUSIVE;");
            Execute("PRAGMA journal_mode=WAL;");
            Execute(syncToDisk ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            // A small write-ahead log (checkpointed every 1 MB and cut back to 1 MB): the data lives in the database file,
            // so the DiskReserve always covers what a checkpoint and a delete need on a full disk.
            Execute($"PRAGMA wal_autocheckpoint={DiskReserve.WalPages}; PRAGMA journal_size_limit={DiskReserve.WalBytes};");
            QueueDamage.ThrowIfReadOnly(path);
            // Page-level damage is found here, at open, instead of stalling delivery later.
            if (Scalar("PRAGMA quick_check(1);") is string check && check != "ok")
                throw QueueDamage.Damaged(path, check);
            var version = Convert.ToInt32(Scalar("PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
                throw new KlaviyoConfigurationException($"The durable queue '{path}' was written by a newer Klaviyo.Destinations (schema {version}; this one knows {SchemaVersion}). Drain it with that version first.");
            Execute("""
                CREATE TABLE IF NOT EXISTS items (seq INTEGER PRIMARY KEY, bytes INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                    not_before INTEGER, first_taken INTEGER, record BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY, failed_at INTEGER NOT NULL, attempts INTEGER NOT NULL,
                    reason TEXT NOT NULL, record BLOB NOT NULL);
                PRAGMA user_version = 1;
                """);
            // A checksum per record (RecordChecksum); rows from before it have none. Older versions ignore the column.
            if (Convert.ToInt64(Scalar("SELECT count(*) FROM pragma_table_info('items') WHERE name = 'crc';"), System.Globalization.CultureInfo.InvariantCulture) == 0)
                Execute("ALTER TABLE items ADD COLUMN crc INTEGER;");
            // When the queue accepted the item (the backlog's age); rows from before it have none. Older versions ignore it.
            if (Convert.ToInt64(Scalar("SELECT count(*) FROM pragma_table_info('items') WHERE name = 'enqueued';"), System.Globalization.CultureInfo.InvariantCulture) == 0)
                Execute("ALTER TABLE items ADD COLUMN enqueued INTEGER;");
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw QueueDamage.AtOpen(path, ex);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
        _insert = Prepare("INSERT INTO items (seq, bytes, attempts, not_before, first_taken, record, crc, enqueued) VALUES ($seq, $bytes, $attempts, $not_before, $first_taken, $record, $crc, $enqueued)",
            "$seq", "$bytes", "$attempts", "$not_before", "$first_taken", "$record", "$crc", "$enqueued");
        _delete = Prepare("DELETE FROM items WHERE seq = $seq RETURNING bytes", "$seq");
        _retry = Prepare("UPDATE items SET attempts = $attempts, not_before = $not_before, first_taken = $first_taken WHERE seq = $seq",
            "$seq", "$attempts", "$not_before", "$first_taken");
        _toDeadLetter = Prepare("INSERT OR REPLACE INTO dead_letters (seq, failed_at, attempts, reason, record) SELECT seq, $failed_at, $attempts, $reason, record FROM items WHERE seq = $seq",
            "$seq", "$failed_at", "$attempts", "$reason");
        _page = Prepare("SELECT seq, attempts, not_before, first_taken, record, crc FROM items WHERE seq > $after ORDER BY seq LIMIT $limit", "$after", "$limit");
        _oldestWaiting = Prepare("SELECT seq, bytes, attempts, record FROM items WHERE seq > $after ORDER BY seq LIMIT $limit", "$after", "$limit");
    }

    public SqliteTransaction Begin() => _connection.BeginTransaction();

    /// <summary>Runs a statement and returns its first value (tests use it to make SQLite refuse writes or run out of room).</summary>
    public object? Pragma(string sql) => Scalar(sql);

    /// <summary>Highest sequence number in use (items or dead letters), 0 when empty.</summary>
    public long MaxSequence() => Convert.ToInt64(Scalar("SELECT max(coalesce((SELECT max(seq) FROM items), 0), coalesce((SELECT max(seq) FROM dead_letters), 0));"), System.Globalization.CultureInfo.InvariantCulture);

    public (long Count, long Bytes) ItemTotals()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(bytes), 0) FROM items;";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// The stored item with the lowest sequence and when it was accepted (null for rows written before that was kept);
    /// <see cref="long.MaxValue"/> when there is none. One step down the primary key.
    /// </summary>
    public (long Seq, DateTimeOffset? EnqueuedAt) OldestItem()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, enqueued FROM items ORDER BY seq LIMIT 1;";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), Time(reader, 1)) : (long.MaxValue, null);
    }

    public long DeadLetterCount() => Convert.ToInt64(Scalar("SELECT count(*) FROM dead_letters;"), System.Globalization.CultureInfo.InvariantCulture);

    public void Insert(SqliteTransaction tx, long seq, byte[] record, int attempts, DateTimeOffset? notBefore, DateTimeOffset? firstTaken, DateTimeOffset enqueuedAt)
    {
        _insert.Transaction = tx;
        _insert.Parameters[0].Value = seq;
        _insert.Parameters[1].Value = record.Length;
        _insert.Parameters[2].Value = attempts;
        _insert.Parameters[3].Value = Millis(notBefore);
        _insert.Parameters[4].Value = Millis(firstTaken);
        _insert.Parameters[5].Value = record;
        _insert.Parameters[6].Value = RecordChecksum.Of(record);
        _insert.Parameters[7].Value = enqueuedAt.ToUnixTimeMilliseconds();
        _insert.ExecuteNonQuery();
    }

    /// <summary>Deletes an item; returns its bytes, or -1 when it was not there.</summary>
    public long Delete(SqliteTransaction tx, long seq)
    {
        _delete.Transaction = tx;
        _delete.Parameters[0].Value = seq;
        var bytes = _delete.ExecuteScalar();
        return bytes is null or DBNull ? -1 : Convert.ToInt64(bytes, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void UpdateRetry(SqliteTransaction tx, long seq, int attempts, DateTimeOffset? notBefore, DateTimeOffset? firstTaken)
    {
        _retry.Transaction = tx;
        _retry.Parameters[0].Value = seq;
        _retry.Parameters[1].Value = attempts;
        _retry.Parameters[2].Value = Millis(notBefore);
        _retry.Parameters[3].Value = Millis(firstTaken);
        _retry.ExecuteNonQuery();
    }

    /// <summary>Moves an item to the dead letters; returns its bytes, or -1 when it was not there.</summary>
    public long MoveToDeadLetters(SqliteTransaction tx, long seq, DateTimeOffset failedAt, int attempts, string reason)
    {
        _toDeadLetter.Transaction = tx;
        _toDeadLetter.Parameters[0].Value = seq;
        _toDeadLetter.Parameters[1].Value = failedAt.ToUnixTimeMilliseconds();
        _toDeadLetter.Parameters[2].Value = attempts;
        _toDeadLetter.Parameters[3].Value = reason;
        _toDeadLetter.ExecuteNonQuery();
        return Delete(tx, seq);
    }

    /// <summary>Deletes the oldest dead letters beyond <paramref name="keep"/>; returns how many.</summary>
    public int TrimDeadLetters(SqliteTransaction tx, long keep)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM dead_letters WHERE seq IN (SELECT seq FROM dead_letters ORDER BY failed_at, seq LIMIT max(0, (SELECT count(*) FROM dead_letters) - $keep));";
        command.Parameters.AddWithValue("$keep", keep);
        return command.ExecuteNonQuery();
    }

    /// <summary>Items after <paramref name="after"/> in sequence order, with their retry state.</summary>
    public List<StoredRow> Page(long after, int limit)
    {
        _page.Transaction = null;
        _page.Parameters[0].Value = after;
        _page.Parameters[1].Value = limit;
        var rows = new List<StoredRow>(Math.Min(limit, 1024));
        using var reader = _page.ExecuteReader();
        while (reader.Read())
            rows.Add(new StoredRow(reader.GetInt64(0), reader.GetInt32(1), Time(reader, 2), Time(reader, 3), (byte[])reader.GetValue(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        return rows;
    }

    /// <summary>The oldest items after <paramref name="after"/> (not yet handed to a sender), for dropping.</summary>
    public List<(long Seq, long Bytes, byte[] Record)> Oldest(SqliteTransaction tx, long after, int limit)
    {
        _oldestWaiting.Transaction = tx;
        _oldestWaiting.Parameters[0].Value = after;
        _oldestWaiting.Parameters[1].Value = limit;
        var rows = new List<(long, long, byte[])>();
        using var reader = _oldestWaiting.ExecuteReader();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetInt64(1), (byte[])reader.GetValue(3)));
        return rows;
    }

    public List<(long Seq, DateTimeOffset FailedAt, int Attempts, string Reason, byte[] Record)> DeadLetters(int limit)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, failed_at, attempts, reason, record FROM dead_letters ORDER BY seq LIMIT $limit;";
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<(long, DateTimeOffset, int, string, byte[])>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            rows.Add((reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetInt32(2), reader.GetString(3), (byte[])reader.GetValue(4)));
        return rows;
    }

    /// <summary>Takes a dead letter out (for replay); returns its record, or null when there is none with that id.</summary>
    public byte[]? TakeDeadLetter(SqliteTransaction tx, long seq)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM dead_letters WHERE seq = $seq RETURNING record;";
        command.Parameters.AddWithValue("$seq", seq);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>Deletes dead letters: all of them, or those with an id in <paramref name="ids"/>; returns how many.</summary>
    public int DeleteDeadLetters(SqliteTransaction tx, IReadOnlyCollection<long>? ids)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        if (ids is null)
        {
            command.CommandText = "DELETE FROM dead_letters;";
            return command.ExecuteNonQuery();
        }
        command.CommandText = "DELETE FROM dead_letters WHERE seq = $seq;";
        var seq = command.Parameters.Add("$seq", Microsoft.Data.Sqlite.SqliteType.Integer);
        var deleted = 0;
        foreach (var id in ids)
        {
            seq.Value = id;
            deleted += command.ExecuteNonQuery();
        }
        return deleted;
    }

    public List<long> DeadLetterIds()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq FROM dead_letters ORDER BY seq;";
        var ids = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    public void Dispose()
    {
        foreach (var command in new[] { _insert, _delete, _retry, _toDeadLetter, _page, _oldestWaiting }) command.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
        command.Prepare();
        return command;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static object Millis(DateTimeOffset? time) => time is { } t ? t.ToUnixTimeMilliseconds() : DBNull.Value;

    private static DateTimeOffset? Time(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}

