using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations;

/// <summary>
/// Copies what can still be read from a damaged queue file into a new queue file (<c>klaviyo-dest queue salvage</c>).
/// The damaged file is never written: it is copied (with its write-ahead log) into a work folder beside the target and
/// only the copy is opened. Rows are read in sequence order, a page of rows at a time; where SQLite cannot read (a
/// damaged or missing page), the reader seeks past the damage (first doubling, then halving the jump on the sequence
/// number) and goes on with the next readable row, recording the skipped range. Every item is checked (checksum, then
/// <see cref="QueuedItemCodec"/>): one that passes keeps its sequence number, attempts and retry state; one that does not
/// becomes a dead letter "corrupt record: …" in the new file. Readable dead letters are kept as they were. A damaged
/// file header (the first 100 bytes) is rebuilt on the copy. The new file is written under <c>&lt;target&gt;.partial</c>
/// and renamed when complete.
/// </summary>
internal static class QueueSalvage
{
    private const int Chunk = 512;
    private const string ItemColumns = "attempts, not_before, first_taken, record";
    private const string DeadLetterColumns = "failed_at, attempts, reason, record";
    private static readonly byte[] s_magic = "SQLite format 3\0"u8.ToArray();

    /// <summary>Salvages <paramref name="source"/> into <paramref name="target"/>, which must not exist.</summary>
    /// <exception cref="KlaviyoConfigurationException">The source is missing or open in another process, or the target exists.</exception>
    public static SalvageReport Run(string source, string target)
    {
        source = Path.GetFullPath(source);
        target = Path.GetFullPath(target);
        if (!File.Exists(source)) throw new KlaviyoConfigurationException($"No queue file at '{source}'.");
        if (string.Equals(source, target, StringComparison.Ordinal)) throw new KlaviyoConfigurationException("The salvaged file must be a new file, not the damaged one.");
        if (File.Exists(target)) throw new KlaviyoConfigurationException($"'{target}' already exists; salvage writes a new file. Choose another --out or remove it.");
        using var sourceLock = QueueLock.Acquire(source);
        var work = target + ".work";
        var partial = target + ".partial";
        try
        {
            Directory.CreateDirectory(work);
            var copy = Path.Combine(work, "damaged.db");
            File.Copy(source, copy, overwrite: true);
            if (File.Exists(source + "-wal")) File.Copy(source + "-wal", copy + "-wal", overwrite: true);
            foreach (var leftover in new[] { partial, partial + "-wal", partial + "-shm" }) File.Delete(leftover);

            var headerRebuilt = false;
            var reader = OpenReadable(copy);
            if (reader is null && RebuildHeader(copy))
            {
                headerRebuilt = true;
                reader = OpenReadable(copy);
            }
            if (reader is null) return new SalvageReport(source, null, 0, 0, 0, [], headerRebuilt, TableFound: false);

            long recovered = 0, corrupt = 0, deadKept = 0;
            // Backlog age (the health check's) of a salvaged item counts from the salvage: the damaged file's acceptance times are not trusted.
            var salvagedAt = DateTimeOffset.UtcNow;
            var skipped = new List<SkippedRange>();
            using (reader.Connection)
            using (var writer = new QueueDatabase(partial, syncToDisk: true))
            {
                if (reader.HasDeadLetters)
                {
                    skipped.AddRange(ReadTable(reader.Connection, "dead_letters", DeadLetterColumns, rows =>
                    {
                        using var tx = writer.Begin();
                        foreach (var row in rows)
                        {
                            if (row.Values[3] is not byte[] record || row.Values[0] is not long failedAt || row.Values[1] is not long attempts) continue;
                            writer.Insert(tx, row.Seq, record, 0, null, null, salvagedAt);
                            writer.MoveToDeadLetters(tx, row.Seq, DateTimeOffset.FromUnixTimeMilliseconds(failedAt), (int)attempts, row.Values[2] as string ?? "(reason unreadable)");
                            deadKept++;
                        }
                        tx.Commit();
                    }));
                }
                var columns = reader.HasChecksum ? ItemColumns + ", crc" : ItemColumns;
                skipped.AddRange(ReadTable(reader.Connection, "items", columns, rows =>
                {
                    using var tx = writer.Begin();
                    foreach (var row in rows)
                    {
                        var record = row.Values[3] as byte[] ?? [];
                        var checksum = reader.HasChecksum && row.Values[4] is long crc ? crc : (long?)null;
                        var attempts = row.Values[0] is long a ? (int)Math.Clamp(a, 0, int.MaxValue) : 0;
                        if (StoredRecords.TryDecode(record, checksum, out _, out var reason))
                        {
                            writer.Insert(tx, row.Seq, record, attempts, Time(row.Values[1]), Time(row.Values[2]), salvagedAt);
                            recovered++;
                        }
                        else
                        {
                            writer.Insert(tx, row.Seq, record, attempts, null, null, salvagedAt);
                            writer.MoveToDeadLetters(tx, row.Seq, DateTimeOffset.UtcNow, attempts, reason + " (found by 'klaviyo-dest queue salvage')");
                            corrupt++;
                        }
                    }
                    tx.Commit();
                }));
            }
            File.Move(partial, target);
            if (File.Exists(partial + "-wal")) File.Move(partial + "-wal", target + "-wal");
            return new SalvageReport(source, target, recovered, corrupt, deadKept, skipped, headerRebuilt, TableFound: true);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TryDelete(work);
            foreach (var leftover in new[] { partial, partial + "-wal", partial + "-shm" }) File.Delete(leftover);
        }
    }

    /// <summary>
    /// Moves the damaged file (with its -wal and -shm) aside to <c>&lt;source&gt;.damaged</c> (or a dated name when that
    /// exists) and the salvaged file into its place. Returns where the damaged file went.
    /// </summary>
    public static string Replace(string source, string salvaged)
    {
        source = Path.GetFullPath(source);
        using var sourceLock = QueueLock.Acquire(source);
        var aside = source + ".damaged";
        if (File.Exists(aside)) aside = source + ".damaged-" + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        File.Move(source, aside);
        foreach (var suffix in new[] { "-wal", "-shm" })
            if (File.Exists(source + suffix)) File.Move(source + suffix, aside + suffix);
        File.Move(salvaged, source);
        return aside;
    }

    private sealed record Readable(SqliteConnection Connection, bool HasChecksum, bool HasDeadLetters);

    private readonly record struct Row(long Seq, object?[] Values);

    /// <summary>Opens the copy and reads its schema; null when SQLite cannot (a damaged header or first page) or it holds no queue.</summary>
    private static Readable? OpenReadable(string copy)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                // Damaged cells are reported as errors instead of being read as nonsense; a file shorter than its header
                // says (truncated) still opens, and the pages it lacks are reported where they are needed.
                pragma.CommandText = "PRAGMA cell_size_check=ON; PRAGMA writable_schema=ON;";
                pragma.ExecuteNonQuery();
            }
            var tables = new HashSet<string>(StringComparer.Ordinal);
            using (var schema = connection.CreateCommand())
            {
                schema.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table';";
                using var reader = schema.ExecuteReader();
                while (reader.Read()) tables.Add(reader.GetString(0));
            }
            if (!tables.Contains("items"))
            {
                connection.Dispose();
                return null;
            }
            using var columns = connection.CreateCommand();
            columns.CommandText = "SELECT count(*) FROM pragma_table_info('items') WHERE name = 'crc';";
            var hasChecksum = Convert.ToInt64(columns.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
            return new Readable(connection, hasChecksum, tables.Contains("dead_letters"));
        }
        catch (SqliteException)
        {
            connection.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Reads every readable row of <paramref name="table"/> in sequence order, handing them to <paramref name="write"/> a
    /// chunk at a time; returns the ranges of sequence numbers it had to skip.
    /// </summary>
    private static List<SkippedRange> ReadTable(SqliteConnection connection, string table, string columns, Action<List<Row>> write)
    {
        var skipped = new List<SkippedRange>();
        long after = 0, from = 1;
        while (true)
        {
            var rows = new List<Row>(Chunk);
            var failed = false;
            try
            {
                // ">= from" (not "> after"): SQLite seeks to that very number, the way the probes do.
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT seq, {columns} FROM {table} WHERE seq >= $from ORDER BY seq LIMIT {Chunk};";
                command.Parameters.AddWithValue("$from", from);
                using var reader = command.ExecuteReader();
                while (reader.Read()) rows.Add(ReadRow(reader));
            }
            catch (SqliteException)
            {
                failed = true;
            }
            // A damaged tree can hand back a row out of order; only rows past the last one written are kept.
            var read = rows.Count;
            rows.RemoveAll(r => r.Seq <= after);
            if (rows.Count > 0)
            {
                write(rows);
                after = rows[^1].Seq;
            }
            from = Math.Max(from, after + 1);
            if (!failed && read < Chunk) return skipped;
            if (!failed && rows.Count > 0) continue;
            var resume = FindResume(connection, table, columns, from - 1);
            if (resume is not { FirstSeq: { } first } found)
            {
                skipped.Add(new SkippedRange(table, from, null));
                return skipped;
            }
            if (first - 1 >= from) skipped.Add(new SkippedRange(table, from, first - 1));
            if (found.Probe <= from && rows.Count == 0)
            {
                // The tree answers a probe but not a read from the same place: give up that one number and move on.
                skipped.Add(new SkippedRange(table, from, from));
                from++;
            }
            else
            {
                from = Math.Max(from, found.Probe);
            }
        }
    }

    /// <summary>
    /// The smallest sequence number past <paramref name="after"/> from which SQLite reads again: jumps of 1, 2, 4, … until
    /// a read succeeds, then halves back to the first one that does. Null when nothing past the damage can be read.
    /// </summary>
    private static (long Probe, long? FirstSeq)? FindResume(SqliteConnection connection, string table, string columns, long after)
    {
        long failing = after, step = 1;
        (long Probe, long? FirstSeq)? success = null;
        while (success is null)
        {
            var probe = step >= long.MaxValue - failing ? long.MaxValue : after + step;
            if (Probe(connection, table, columns, probe) is { } found) success = (probe, found.FirstSeq);
            else if (probe == long.MaxValue) return null;
            else failing = probe;
            step = step > long.MaxValue / 2 ? long.MaxValue : step * 2;
        }
        var (good, firstSeq) = success.Value;
        while (good - failing > 1)
        {
            var middle = failing + (good - failing) / 2;
            if (Probe(connection, table, columns, middle) is { } found) (good, firstSeq) = (middle, found.FirstSeq);
            else failing = middle;
        }
        return (good, firstSeq);
    }

    /// <summary>Reads the first row at or after <paramref name="from"/>; null when SQLite cannot, (null) when there is none.</summary>
    private static (long? FirstSeq, bool Read)? Probe(SqliteConnection connection, string table, string columns, long from)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT seq, {columns} FROM {table} WHERE seq >= $from ORDER BY seq LIMIT 1;";
            command.Parameters.AddWithValue("$from", from);
            using var reader = command.ExecuteReader();
            return reader.Read() ? (ReadRow(reader).Seq, true) : (null, true);
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    private static Row ReadRow(SqliteDataReader reader)
    {
        var values = new object?[reader.FieldCount - 1];
        for (var i = 1; i < reader.FieldCount; i++) values[i - 1] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        return new Row(reader.GetInt64(0), values);
    }

    private static DateTimeOffset? Time(object? value) => value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, -62135596800000, 253402300799999)) : null;

    /// <summary>
    /// Writes a fresh 100-byte SQLite header on the copy when its own is damaged, trying each page size until the schema
    /// reads. What the header held beyond that (free-page list, counters) is not needed to read the rows.
    /// </summary>
    private static bool RebuildHeader(string copy)
    {
        byte[] original;
        using (var file = new FileStream(copy, FileMode.Open, FileAccess.Read))
        {
            original = new byte[Math.Min(100, file.Length)];
            file.ReadExactly(original);
        }
        if (original.Length < 100) return false;
        var wal = File.Exists(copy + "-wal");
        foreach (var pageSize in new[] { 4096, 8192, 16384, 32768, 65536, 1024, 2048, 512 })
        {
            var length = new FileInfo(copy).Length;
            var header = new byte[100];
            s_magic.CopyTo(header, 0);
            header[16] = (byte)(pageSize == 65536 ? 0 : pageSize >> 8);
            header[17] = (byte)(pageSize == 65536 ? 1 : pageSize & 0xFF);
            header[18] = header[19] = (byte)(wal ? 2 : 1);
            header[20] = 0;                                        // reserved bytes per page
            header[21] = 64; header[22] = 32; header[23] = 32;     // payload fractions (fixed by the format)
            WriteBigEndian(header, 24, 1);                         // change counter
            WriteBigEndian(header, 28, (uint)((length + pageSize - 1) / pageSize));
            WriteBigEndian(header, 40, 1);                         // schema cookie
            WriteBigEndian(header, 44, 4);                         // schema format
            WriteBigEndian(header, 56, 1);                         // UTF-8
            WriteBigEndian(header, 92, 1);                         // version-valid-for = change counter
            WriteBigEndian(header, 96, 3046000);
            using (var file = new FileStream(copy, FileMode.Open, FileAccess.Write))
                file.Write(header);
            if (OpenReadable(copy) is { } readable)
            {
                readable.Connection.Dispose();
                return true;
            }
        }
        using (var file = new FileStream(copy, FileMode.Open, FileAccess.Write))
            file.Write(original);
        return false;
    }

    private static void WriteBigEndian(byte[] header, int offset, uint value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(offset, 4), value);

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A range of sequence numbers a salvage could not read (To null: to the end of the table).</summary>
internal readonly record struct SkippedRange(string Table, long From, long? To)
{
    /// <summary>How many rows the range can have held at most (sequence numbers are unique; some may never have been used).</summary>
    public long? AtMost => To is { } to ? to - From + 1 : null;
}

/// <summary>What <see cref="QueueSalvage.Run"/> did.</summary>
internal sealed record SalvageReport(string Source, string? Target, long Recovered, long CorruptRecords, long DeadLettersKept,
    IReadOnlyList<SkippedRange> Unreadable, bool HeaderRebuilt, bool TableFound)
{
    /// <summary><c>complete</c> (every row read and every item passed its checks), <c>partial</c>, or <c>nothing</c> (no queue table could be read).</summary>
    public string Outcome => !TableFound ? "nothing" : CorruptRecords == 0 && Unreadable.Count == 0 ? "complete" : "partial";
}
