using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// An in-process stand-in for Klaviyo whose answer each test scripts: by default it answers like Klaviyo (202 with no
/// body for events and event bulk jobs, a JSON:API document for profiles). Records every request body.
/// </summary>
internal sealed class ScriptedKlaviyo : HttpMessageHandler
{
    public ConcurrentQueue<(string Path, string Body)> Requests { get; } = new();

    /// <summary>Return an answer to override the default for a request (path, body); null keeps the default.</summary>
    public Func<string, string, HttpResponseMessage?>? Script { get; set; }

    public static HttpResponseMessage Accepted() => new(HttpStatusCode.Accepted) { Content = new ByteArrayContent([]) };

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/vnd.api+json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return new HttpResponseMessage(status) { Content = content };
    }

    public static HttpResponseMessage ServerError(string detail) =>
        Json(HttpStatusCode.InternalServerError, $$"""{"errors":[{"id":"x","status":500,"code":"error","title":"A server error occurred.","detail":"{{detail}}"}]}""");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        Requests.Enqueue((path, body));
        if (Script?.Invoke(path, body) is { } scripted) return scripted;
        return path switch
        {
            "/api/events" or "/api/event-bulk-create-jobs" => Accepted(),
            "/api/profile-import" => Json(HttpStatusCode.OK, """{"data":{"type":"profile","id":"01PROFILE","attributes":{}}}"""),
            "/api/profile-bulk-import-jobs" => Json(HttpStatusCode.Accepted, """{"data":{"type":"profile-bulk-import-job","id":"job1","attributes":{"status":"complete","failed_count":0}}}"""),
            _ => Json(HttpStatusCode.OK, """{"data":[]}"""),
        };
    }
}
