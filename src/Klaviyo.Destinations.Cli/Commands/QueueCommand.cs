using System.CommandLine;
using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest queue salvage</c>: copy what can still be read from a damaged durable queue into a new one.</summary>
internal static class QueueCommand
{
    private const string SalvageDescription = """
        copy every item that can still be read from a damaged durable queue file into a NEW queue file; the damaged file is
        never changed. Each item is checked (checksum, then decoded): those that pass keep their order and retry state;
        those that do not become dead letters ("corrupt record") in the new file; the old file's readable dead letters are
        kept. Rows on damaged or missing pages are skipped and reported by sequence number; a damaged file header is
        rebuilt on a copy. With --replace the damaged file (and its -wal/-shm) is moved aside to FILE.damaged and the new
        file takes its place, so the next start of the app sends what was salvaged. The app must not be running.
        Prints one JSON object on stdout (source, target, outcome, recovered, corrupt_records, dead_letters_kept,
        unreadable, unreadable_rows_at_most, header_rebuilt) and a summary line on stderr.
        Exit codes: 0 everything was read and passed its checks, 1 salvaged with losses (unreadable rows or corrupt
        records), 2 usage or configuration error (including: the queue is open in another process), 3 nothing could be
        read (no new file is written).
        """;

    public static Command Create()
    {
        var queuePath = new Option<string>("--queue-path") { Description = "the damaged queue file", Required = true, HelpName = "FILE" };
        var output = new Option<string?>("--out") { Description = "the new queue file to write (default: FILE.salvaged; must not exist)", HelpName = "FILE" };
        var replace = new Option<bool>("--replace") { Description = "move the damaged file aside to FILE.damaged and put the salvaged file in its place" };
        var salvage = new Command("salvage", SalvageDescription) { queuePath, output, replace };
        salvage.SetAction((result, _) => Task.FromResult(Salvage(result.GetValue(queuePath)!, result.GetValue(output), result.GetValue(replace))));
        return new Command("queue", "work on a durable queue file (the app must not be running)") { salvage };
    }

    private static int Salvage(string path, string? output, bool replace)
    {
        if (!File.Exists(path)) throw new UsageException($"No queue at '{path}'.");
        if (replace && output is not null) throw new UsageException("--replace puts the salvaged file in place of the damaged one; it does not take --out.");
        var target = output ?? path + ".salvaged";
        SalvageReport report;
        string? movedAside = null;
        try
        {
            report = QueueSalvage.Run(path, target);
            if (replace && report.Target is { } written) movedAside = QueueSalvage.Replace(path, written);
        }
        catch (KlaviyoConfigurationException ex)
        {
            throw new UsageException(ex.Message);
        }
        var installed = movedAside is null ? report.Target : report.Source;
        WriteJson(report, installed, movedAside);
        Console.Error.WriteLine(Summary(report, installed, movedAside));
        return report.Outcome switch
        {
            "complete" => 0,
            "partial" => 1,
            _ => 3,
        };
    }

    private static void WriteJson(SalvageReport report, string? target, string? movedAside)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var json = new Utf8JsonWriter(stdout))
        {
            json.WriteStartObject();
            json.WriteString("source", movedAside ?? report.Source);
            json.WriteString("target", target);
            json.WriteString("outcome", report.Outcome);
            json.WriteNumber("recovered", report.Recovered);
            json.WriteNumber("corrupt_records", report.CorruptRecords);
            json.WriteNumber("dead_letters_kept", report.DeadLettersKept);
            json.WriteStartArray("unreadable");
            foreach (var range in report.Unreadable)
            {
                json.WriteStartObject();
                json.WriteString("table", range.Table);
                json.WriteNumber("from_seq", range.From);
                if (range.To is { } to) json.WriteNumber("to_seq", to);
                else json.WriteNull("to_seq");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (report.Unreadable.All(r => r.To is not null)) json.WriteNumber("unreadable_rows_at_most", report.Unreadable.Sum(r => r.AtMost!.Value));
            else json.WriteNull("unreadable_rows_at_most");
            json.WriteBoolean("header_rebuilt", report.HeaderRebuilt);
            json.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }

    private static string Summary(SalvageReport report, string? target, string? movedAside)
    {
        if (report.Outcome == "nothing")
            return $"klaviyo-dest: nothing could be read from '{report.Source}' (its first page, which lists the tables, is unreadable or it is not a queue file); no new file was written.";
        var lost = report.Unreadable.Count == 0 ? "no unreadable rows"
            : string.Join(", ", report.Unreadable.Select(r => $"{r.Table} seq {r.From}–{(r.To is { } to ? to.ToString(System.Globalization.CultureInfo.InvariantCulture) : "end")} unreadable"));
        var next = movedAside is not null
            ? $"The damaged file is now '{movedAside}'; start the app (or run 'klaviyo-dest drain --queue-path {target}') to send what was salvaged."
            : $"Next: stop the app, move '{report.Source}' aside with its -wal/-shm files and move '{target}' into its place (or run again with --replace).";
        return $"Salvaged {report.Recovered:N0} items into '{target}': {report.CorruptRecords:N0} corrupt records kept as dead letters, {report.DeadLettersKept:N0} dead letters kept, {lost}" +
            $"{(report.HeaderRebuilt ? " (file header rebuilt)" : "")}. {next}";
    }
}
