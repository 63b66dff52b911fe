using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Emulator.Tests;

/// <summary>An emulator on 127.0.0.1 driven by a fake clock, with an HttpClient that sends Klaviyo's headers.</summary>
internal sealed class TestEmulator : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 8, 3, 12, 0, 0, TimeSpan.Zero);

    private TestEmulator(KlaviyoEmulator emulator, FakeTimeProvider time)
    {
        Emulator = emulator;
        Time = time;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = emulator.BaseAddress };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", "pk_test_123");
        Http.DefaultRequestHeaders.Add("revision", "2026-07-15");
        Http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.api+json"));
    }

    public KlaviyoEmulator Emulator { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Http { get; }

    public EmulatorState State => Emulator.State;

    /// <summary>Starts an emulator; rate limits are off unless <paramref name="configure"/> turns them on.</summary>
    public static async Task<TestEmulator> StartAsync(Action<KlaviyoEmulatorOptions>? configure = null)
    {
        var time = new FakeTimeProvider(Start);
        var options = new KlaviyoEmulatorOptions { TimeProvider = time, RateLimitsEnabled = false, RandomSeed = 42 };
        configure?.Invoke(options);
        return new TestEmulator(await KlaviyoEmulator.StartAsync(options), time);
    }

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body.ToJsonString());

    public Task<HttpResponseMessage> DeleteAsync(string path, JsonNode body) => SendAsync(HttpMethod.Delete, path, body.ToJsonString());

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string body, string contentType = "application/vnd.api+json")
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return Http.SendAsync(request);
    }

    /// <summary>Upserts a profile by email and returns its id.</summary>
    public async Task<string> UpsertAsync(JsonObject attributes)
    {
        using var response = await PostAsync("api/profile-import", Bodies.Profile(attributes));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await Json(response))["data"]!["id"]!.GetValue<string>();
    }

    public static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Asserts the status and returns the first JSON:API error.</summary>
    public static async Task<JsonNode> Error(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["errors"]![0]!;
        Assert.NotNull(error["id"]);
        Assert.NotNull(error["code"]);
        Assert.NotNull(error["title"]);
        Assert.NotNull(error["detail"]);
        return error;
    }

    public static string? Pointer(JsonNode error) => error["source"]?["pointer"]?.GetValue<string>();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}
