using System.Text.Encodings.Web;
using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// What happened to input lines, on stderr as JSON lines: <c>{"line":N,"reason":…,"field":…}</c> for a rejected line,
/// <c>{"line":N,"warning":…,"field":…}</c> for a field left out of a line that was otherwise sent, and one
/// <c>{"summary":{…}}</c> at the end. Thread-safe (outcomes arrive on the sender's thread).
/// </summary>
internal sealed class LineReport : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stream _stderr = Console.OpenStandardError();
    private readonly Utf8JsonWriter _json;
    private long _warnings;

    public LineReport()
    {
        _json = new Utf8JsonWriter(_stderr, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public long Warnings => Interlocked.Read(ref _warnings);

    public void Reject(long line, string reason, string? field = null) => Write(line, "reason", reason, field);

    public void Warn(long line, string warning, string? field = null)
    {
        Interlocked.Increment(ref _warnings);
        Write(line, "warning", warning, field);
    }

    /// <summary>The last line: counts by name (e.g. lines, delivered, rejected, warnings, peak_rss_bytes).</summary>
    public void Summary(IEnumerable<(string Name, long Value)> counts)
    {
        lock (_gate)
        {
            _json.Reset(_stderr);
            _json.WriteStartObject();
            _json.WriteStartObject("summary");
            foreach (var (name, value) in counts) _json.WriteNumber(name, value);
            _json.WriteEndObject();
            _json.WriteEndObject();
            _json.Flush();
            _stderr.WriteByte((byte)'\n');
            _stderr.Flush();
        }
    }

    private void Write(long line, string kind, string text, string? field)
    {
        lock (_gate)
        {
            _json.Reset(_stderr);
            _json.WriteStartObject();
            _json.WriteNumber("line", line);
            _json.WriteString(kind, text);
            if (field is not null) _json.WriteString("field", field);
            _json.WriteEndObject();
            _json.Flush();
            _stderr.WriteByte((byte)'\n');
            _stderr.Flush();
        }
    }

    public void Dispose()
    {
        _json.Dispose();
        _stderr.Dispose();
    }
}
