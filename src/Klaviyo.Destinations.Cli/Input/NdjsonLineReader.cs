using System.Text;

namespace Klaviyo.Destinations.Cli.Input;

/// <summary>
/// Reads UTF-8 lines from a stream in one pass and knows the byte offset after each line, so progress is measured in
/// bytes and a checkpoint can resume by seeking instead of re-reading. Memory is one buffer the size of the longest
/// line; a line longer than <see cref="MaxLineBytes"/> is skipped and reported instead of being held.
/// </summary>
internal sealed class NdjsonLineReader(Stream stream, long startOffset = 0) : IDisposable
{
    /// <summary>The longest line read (Klaviyo takes at most 5 MB per request; a longer line could never be sent).</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _skipping;

    /// <summary>Byte offset just after the last line returned.</summary>
    public long Position { get; private set; } = startOffset;

    /// <summary>The next line (without its line break) or null at the end; <c>TooLong</c> when the line was skipped.</summary>
    public async ValueTask<(string? Line, bool TooLong, bool End)> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0 || (_eof && _start < _end))
            {
                var stop = newline >= 0 ? newline : _end;
                var wasSkipping = _skipping;
                var line = wasSkipping ? null : Decode(_start, stop);
                Position += stop - _start + (newline >= 0 ? 1 : 0);
                _start = newline >= 0 ? newline + 1 : _end;
                _skipping = false;
                return (line, wasSkipping, false);
            }
            if (_eof) return (null, false, true);
            if (_skipping)
            {
                Position += _end - _start; // drop what we have of the over-long line
                _start = _end = 0;
            }
            else if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxLineBytes)
                {
                    _skipping = true;
                    continue;
                }
                Array.Resize(ref _buffer, Math.Min(MaxLineBytes, _buffer.Length * 2));
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0) _eof = true;
            else _end += read;
        }
    }

    private string Decode(int start, int stop)
    {
        if (stop > start && _buffer[stop - 1] == (byte)'\r') stop--;
        if (Position == 0 && stop - start >= 3 && _buffer[start] == 0xEF && _buffer[start + 1] == 0xBB && _buffer[start + 2] == 0xBF) start += 3;
        return Encoding.UTF8.GetString(_buffer, start, stop - start);
    }

    public void Dispose() => stream.Dispose();
}
