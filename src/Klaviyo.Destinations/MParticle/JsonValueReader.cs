using System.Text;

namespace Klaviyo.Destinations.MParticle;

/// <summary>One JSON value read from a stream, or why it could not be.</summary>
/// <param name="Text">The value's JSON text; null when it was refused (too long, not complete) or at the end.</param>
/// <param name="Line">The 1-based line where the value (or the problem) starts.</param>
/// <param name="LastLine">The line where it ends (a pretty-printed value spans several).</param>
/// <param name="Error">Why the value was refused; null for a value.</param>
/// <param name="End">True at the end of the input (nothing more is read after a document that cannot be followed).</param>
internal readonly record struct JsonValueRead(string? Text, long Line, long LastLine, string? Error, bool End);

/// <summary>
/// Reads JSON values one at a time from a UTF-8 stream without holding more than one of them: memory is one buffer the
/// size of the largest value (at most <see cref="MaxValueBytes"/>). Two layouts, told apart by the first value:
/// <list type="bullet">
/// <item><b>one value per line</b> (NDJSON) when the first value ends on the line where it starts. A line that is not a
/// complete value is refused on its own and reading goes on at the next line; a line holding an array is one value.</item>
/// <item><b>a JSON document</b> otherwise (pretty-printed): one value, several values one after another, or one
/// top-level array whose elements are returned one by one. A document whose structure breaks cannot be followed past
/// that point: the problem is returned and reading ends.</item>
/// </list>
/// The reader only finds where each value ends (brackets, strings, escapes); whether it is valid JSON is for the caller
/// to find out when it parses the text.
/// </summary>
internal sealed class JsonValueReader : IDisposable
{
    /// <summary>The largest value kept; a longer one is skipped and refused (Klaviyo takes at most 5 MB per request).</summary>
    public const int MaxValueBytes = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _maxValueBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private long _line;
    private bool _inArray;
    private bool _resumedInside;
    private bool _failed;

    /// <summary>Starts reading at <paramref name="startOffset"/> (a <see cref="Position"/> of an earlier read), on line <paramref name="startLine"/>.</summary>
    /// <param name="stream">The input, positioned at <paramref name="startOffset"/>.</param>
    /// <param name="startOffset">The byte offset the stream is at.</param>
    /// <param name="startLine">The line the offset is on (0 or 1 at the start of the input).</param>
    /// <param name="isDocument">The layout when resuming (see <see cref="IsDocument"/>); found from the first value when null.</param>
    /// <param name="leaveOpen">True to leave the stream open on dispose.</param>
    /// <param name="maxValueBytes">The largest value kept.</param>
    public JsonValueReader(Stream stream, long startOffset = 0, long startLine = 0, bool? isDocument = null, bool leaveOpen = false, int maxValueBytes = MaxValueBytes)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _maxValueBytes = maxValueBytes;
        _buffer = new byte[Math.Min(64 * 1024, maxValueBytes + 1)];
        Position = startOffset;
        _line = Math.Max(1, startLine);
        IsDocument = isDocument;
        // Resuming inside a top-level array: its remaining elements are read, then its closing bracket.
        // Resuming a document: its top-level array (if it has one) is open; if it has none, its end is no error.
        _inArray = _resumedInside = isDocument == true && startOffset > 0;
    }

    /// <summary>Byte offset just after the last value returned.</summary>
    public long Position { get; private set; }

    /// <summary>True for a (pretty-printed) JSON document, false for one value per line; null until the first value.</summary>
    public bool? IsDocument { get; private set; }

    /// <summary>The next value, a refused one, or the end.</summary>
    public async ValueTask<JsonValueRead> ReadAsync(CancellationToken cancellationToken)
    {
        if (_failed) return new JsonValueRead(null, _line, _line, null, End: true);
        // Skip what separates values: white space, and in a document the commas and brackets of the top-level array.
        while (true)
        {
            if (_start == _end && !await FillAsync(keepFrom: _end, cancellationToken).ConfigureAwait(false))
            {
                if (_inArray && IsDocument == true && !_resumedInside)
                {
                    _failed = true;
                    return new JsonValueRead(null, _line, _line, "the top-level array is not closed with ']': the input ends inside it", End: false);
                }
                return new JsonValueRead(null, _line, _line, null, End: true);
            }
            var b = _buffer[_start];
            if (b == (byte)'\n') _line++;
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\r') { }
            else if (b == 0xEF && Position == 0 && await HasBomAsync(cancellationToken).ConfigureAwait(false))
            {
                _start += 3;
                Position += 3;
                continue;
            }
            else if (IsDocument == true && b == (byte)',' && _inArray) { }
            else if (IsDocument == true && b == (byte)']' && _inArray) _inArray = false;
            else break;
            _start++;
            Position++;
        }

        if (IsDocument is null && !await DetectLayoutAsync(cancellationToken).ConfigureAwait(false))
            IsDocument = false;
        if (IsDocument == true && _buffer[_start] == (byte)'[' && !_inArray)
        {
            _inArray = true;
            _resumedInside = false;
            _start++;
            Position++;
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        return await ValueAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> HasBomAsync(CancellationToken cancellationToken)
    {
        while (_end - _start < 3)
            if (!await FillAsync(keepFrom: _start, cancellationToken).ConfigureAwait(false)) return false;
        return _buffer[_start + 1] == 0xBB && _buffer[_start + 2] == 0xBF;
    }

    /// <summary>Whether the first value spans lines (a document): scans it without consuming it.</summary>
    private async ValueTask<bool> DetectLayoutAsync(CancellationToken cancellationToken)
    {
        var scan = new Scanner();
        var at = _start;
        while (true)
        {
            if (at == _end)
            {
                var shift = _start;
                if (_end - _start >= _maxValueBytes || !await FillAsync(keepFrom: _start, cancellationToken).ConfigureAwait(false))
                {
                    IsDocument = false;
                    return true;
                }
                at -= shift;
                continue;
            }
            var b = _buffer[at++];
            if (scan.IsScalar && IsDelimiter(b))
            {
                IsDocument = false;
                return true;
            }
            if (b == (byte)'\n')
            {
                // The first value goes on past its line: a document (a string cannot hold a line break, so not a string).
                IsDocument = !scan.InString && scan.Depth > 0;
                return true;
            }
            if (scan.Step(b) is Step.Done or Step.Invalid)
            {
                IsDocument = false;
                return true;
            }
        }
    }

    private async ValueTask<JsonValueRead> ValueAsync(CancellationToken cancellationToken)
    {
        var scan = new Scanner();
        var first = _line;
        var at = _start;
        var skipping = false;
        while (true)
        {
            if (at == _end)
            {
                if (!skipping && at - _start >= _maxValueBytes) skipping = true;
                if (skipping)
                {
                    // Too long to keep: count past what we have and keep scanning for its end.
                    Position += _end - _start;
                    _start = _end = at = 0;
                }
                var shift = _start;
                if (!await FillAsync(keepFrom: _start, cancellationToken).ConfigureAwait(false))
                {
                    // The input ends: a scalar ends with it; anything else is incomplete.
                    if (scan.IsScalar && !skipping) return Take(at, first);
                    Position += _end - _start;
                    _start = _end;
                    if (IsDocument == true) _failed = true;
                    return new JsonValueRead(null, first, _line, skipping
                        ? $"the value is longer than {_maxValueBytes / (1024 * 1024)} MB and the input ends inside it"
                        : "the input ends inside this value (a bracket or a quote is not closed)", End: false);
                }
                at -= shift;
                continue;
            }
            var b = _buffer[at];
            // A bare word or number ends at a delimiter in a document, and with its line when values are one per line
            // (so a line of prose is one refused value, not one per word).
            if (scan.IsScalar && (IsDocument == true ? IsDelimiter(b) : b == (byte)'\n')) return skipping ? TooLong(at, first) : Take(at, first);
            if (b == (byte)'\n')
            {
                if (scan.InString || IsDocument == false)
                {
                    // A line break inside a string is never valid JSON; one value per line means this line is all there is.
                    var reason = scan.InString ? "a string is not closed before the end of the line" : "the line is not a complete JSON value (a bracket is not closed)";
                    Position += at - _start;
                    _start = at;
                    if (IsDocument == true)
                    {
                        _failed = true;
                        return new JsonValueRead(null, first, _line, reason + "; the rest of the document cannot be followed and was not read", End: false);
                    }
                    return new JsonValueRead(null, first, _line, reason, End: false);
                }
                _line++;
            }
            at++;
            switch (scan.Step(b))
            {
                case Step.Done:
                    return skipping ? TooLong(at, first) : Take(at, first);
                case Step.Invalid:
                {
                    // Not the start of a value (a stray bracket, comma or word): refuse what is left of the line.
                    var stop = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                    stop = stop < 0 ? _end : stop;
                    var text = Encoding.UTF8.GetString(_buffer, _start, Math.Min(40, stop - _start));
                    Position += stop - _start;
                    _start = stop;
                    if (IsDocument == true) _failed = true;
                    return new JsonValueRead(null, first, _line, $"'{text}' is not a JSON value" + (IsDocument == true ? "; the rest of the document cannot be followed and was not read" : ""), End: false);
                }
            }
        }
    }

    private JsonValueRead Take(int stop, long first)
    {
        if (stop - _start > _maxValueBytes) return TooLong(stop, first);
        var text = Encoding.UTF8.GetString(_buffer, _start, stop - _start);
        Position += stop - _start;
        _start = stop;
        return new JsonValueRead(text, first, _line, null, End: false);
    }

    private JsonValueRead TooLong(int stop, long first)
    {
        Position += stop - _start;
        _start = stop;
        return new JsonValueRead(null, first, _line, $"the value is longer than {_maxValueBytes / (1024 * 1024)} MB; Klaviyo takes at most 5 MB per request", End: false);
    }

    private static bool IsDelimiter(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',' or (byte)']' or (byte)'}';

    /// <summary>Reads more input, keeping the bytes from <paramref name="keepFrom"/> on (moved to the front); false at the end.</summary>
    private async ValueTask<bool> FillAsync(int keepFrom, CancellationToken cancellationToken)
    {
        if (_eof) return false;
        if (keepFrom > 0)
        {
            Buffer.BlockCopy(_buffer, keepFrom, _buffer, 0, _end - keepFrom);
            _end -= keepFrom;
            _start -= keepFrom;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= _maxValueBytes + 1)
            {
                // Only the skipping value loop gets here: it drops what it has (see ValueAsync).
                _start = _end = 0;
            }
            else
            {
                Array.Resize(ref _buffer, Math.Min(_maxValueBytes + 1, _buffer.Length * 2));
            }
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
            return false;
        }
        _end += read;
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private enum Step { More, Done, Invalid }

    /// <summary>Finds where one value ends: bracket depth, strings and their escapes. Scalars end at a delimiter.</summary>
    private struct Scanner
    {
        public int Depth;
        public bool InString;
        public bool IsScalar;
        private bool _started;
        private bool _escape;
        private bool _stringValue;

        public Step Step(byte b)
        {
            if (!_started)
            {
                _started = true;
                switch (b)
                {
                    case (byte)'{' or (byte)'[':
                        Depth = 1;
                        return JsonValueReader.Step.More;
                    case (byte)'"':
                        InString = _stringValue = true;
                        return JsonValueReader.Step.More;
                    case (byte)'-' or (>= (byte)'0' and <= (byte)'9') or (byte)'t' or (byte)'f' or (byte)'n':
                        IsScalar = true;
                        return JsonValueReader.Step.More;
                    default:
                        return JsonValueReader.Step.Invalid;
                }
            }
            if (InString)
            {
                if (_escape) _escape = false;
                else if (b == (byte)'\\') _escape = true;
                else if (b == (byte)'"')
                {
                    InString = false;
                    if (_stringValue) return JsonValueReader.Step.Done;
                }
                return JsonValueReader.Step.More;
            }
            if (IsScalar) return JsonValueReader.Step.More;
            switch (b)
            {
                case (byte)'"': InString = true; break;
                case (byte)'{' or (byte)'[': Depth++; break;
                case (byte)'}' or (byte)']':
                    if (--Depth == 0) return JsonValueReader.Step.Done;
                    break;
            }
            return JsonValueReader.Step.More;
        }
    }
}
