using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// Records every request the client makes (path, body, answer) with a global sequence number taken when the request
/// left and when its answer arrived, so tests can check what happened before what. Can hang the first requests until
/// the client's timeout cancels them.
/// </summary>
internal sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly ConcurrentDictionary<long, TimeSpan> _times = new();
    private long _sequence;
    private int _hangsLeft;

    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    /// <summary>The next <paramref name="count"/> requests never get an answer (the client's timeout must end them).</summary>
    public void HangNext(int count) => Volatile.Write(ref _hangsLeft, count);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Interlocked.Increment(ref _sequence);
        _times[started] = _clock.Elapsed;
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        if (Interlocked.Decrement(ref _hangsLeft) >= 0)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        var answered = Interlocked.Increment(ref _sequence);
        _times[answered] = _clock.Elapsed;
        Exchanges.Enqueue(new Exchange(request.Method.Method, request.RequestUri!.AbsolutePath, body, (int)response.StatusCode, answer, started, answered, clock.Elapsed));
        return response;
    }

    /// <summary>Wall-clock time between two sequence numbers (for reporting only).</summary>
    public TimeSpan ElapsedBetween(long from, long to) => _times[to] - _times[from];

    /// <summary>One answered request.</summary>
    internal sealed record Exchange(string Method, string Path, string? RequestBody, int Status, string ResponseBody, long Started, long Answered, TimeSpan Elapsed)
    {
        public JsonNode? Request => RequestBody is null ? null : JsonNode.Parse(RequestBody);

        public JsonNode? Response => string.IsNullOrEmpty(ResponseBody) ? null : JsonNode.Parse(ResponseBody);
    }
}
