using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// The emulator behind a door that answers 500 (Klaviyo's error document) for any request whose body holds
/// <see cref="Marker"/>, as Klaviyo does for an item whose content makes the server fail; every other request reaches
/// the emulator. Records each request: its path, the answer's status and the unique ids it carried, in body order.
/// </summary>
internal sealed partial class PoisonedEmulator(KlaviyoEmulator emulator) : DelegatingHandler(new SocketsHttpHandler())
{
    public const string Marker = "POISON";

    public const string Detail = "The server could not process this event.";

    public KlaviyoEmulator Emulator { get; } = emulator;

    public ConcurrentQueue<Sent> Requests { get; } = new();

    /// <summary>One request: path, status answered, unique ids in the body (in order).</summary>
    internal sealed record Sent(string Path, int Status, IReadOnlyList<string> Ids);

    [GeneratedRegex("\"unique_id\":\"([^\"]+)\"")]
    private static partial Regex UniqueIds();

    /// <summary>Called with each request's number (1-based) before it is answered.</summary>
    public Action<int>? BeforeRequest { get; set; }

    private int _count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        BeforeRequest?.Invoke(Interlocked.Increment(ref _count));
        var path = request.RequestUri!.AbsolutePath;
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var ids = UniqueIds().Matches(body).Select(m => m.Groups[1].Value).ToList();
        if (body.Contains(Marker, StringComparison.Ordinal))
        {
            Requests.Enqueue(new Sent(path, 500, ids));
            return ScriptedKlaviyo.ServerError(Detail);
        }
        if (request.Content is not null)
        {
            var copy = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            foreach (var header in request.Content.Headers) copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            request.Content = copy;
        }
        var uri = new Uri(Emulator.BaseAddress, request.RequestUri.PathAndQuery);
        request.RequestUri = uri;
        var response = await base.SendAsync(request, cancellationToken);
        Requests.Enqueue(new Sent(path, (int)response.StatusCode, ids));
        return response;
    }

    /// <summary>How many accepted requests carried each unique id.</summary>
    public Dictionary<string, int> AcceptedCarriers() => Requests
        .Where(r => r.Status is >= 200 and < 300)
        .SelectMany(r => r.Ids)
        .GroupBy(id => id, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Requests that carried items (events), as opposed to the key check.</summary>
    public List<Sent> ItemRequests() => [.. Requests.Where(r => r.Ids.Count > 0)];
}
