using Klaviyo.Destinations.MParticle;

namespace Klaviyo.Destinations.Cli.Input;

/// <summary>One record of input (a line, or one JSON value of a multi-line document), or why it could not be read.</summary>
/// <param name="Text">The record; null when it was refused or at the end.</param>
/// <param name="Error">Why it was refused (too long, not complete).</param>
/// <param name="Line">The line it starts on (reported with its outcomes).</param>
/// <param name="LastLine">The line it ends on (what a checkpoint records).</param>
/// <param name="End">The end of the input.</param>
internal readonly record struct InputRead(string? Text, string? Error, long Line, long LastLine, bool End);

/// <summary>Reads the input of <c>send</c> record by record, knowing the byte offset after each (for checkpoints).</summary>
internal interface IInputReader : IDisposable
{
    /// <summary>Byte offset just after the last record returned.</summary>
    long Position { get; }

    /// <summary>The next record; <paramref name="lastLine"/> is the line the previous one ended on.</summary>
    ValueTask<InputRead> ReadAsync(long lastLine, CancellationToken cancellationToken);
}

/// <summary>Segment NDJSON: one message per line.</summary>
internal sealed class LineInput(NdjsonLineReader reader) : IInputReader
{
    public long Position => reader.Position;

    public async ValueTask<InputRead> ReadAsync(long lastLine, CancellationToken cancellationToken)
    {
        var (line, tooLong, end) = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return new InputRead(line,
            tooLong ? $"the line is longer than {NdjsonLineReader.MaxLineBytes / (1024 * 1024)} MB; Klaviyo takes at most 5 MB per request" : null,
            lastLine + 1, lastLine + 1, end);
    }

    public void Dispose() => reader.Dispose();
}

/// <summary>
/// mParticle batches: one per line (NDJSON, a line may hold an array of batches), or a multi-line JSON document (one
/// batch, several, or an array of them) read one batch at a time — never the whole file at once.
/// </summary>
internal sealed class MParticleInput(JsonValueReader reader) : IInputReader
{
    public long Position => reader.Position;

    /// <summary>Opens <paramref name="path"/> at <paramref name="offset"/> (on line <paramref name="line"/>), in the layout the file starts with.</summary>
    public static async Task<MParticleInput> OpenAsync(string path, long offset, long line, CancellationToken cancellationToken)
    {
        bool? isDocument = null;
        if (offset > 0)
        {
            // Resuming: the layout is told by the start of the file.
            using var start = new JsonValueReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16));
            await start.ReadAsync(cancellationToken).ConfigureAwait(false);
            isDocument = start.IsDocument;
        }
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan) { Position = offset };
        return new MParticleInput(new JsonValueReader(stream, offset, line, isDocument));
    }

    public async ValueTask<InputRead> ReadAsync(long lastLine, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new InputRead(read.Text, read.Error, read.Line, read.LastLine, read.End);
    }

    public void Dispose() => reader.Dispose();
}
