using System.Net.Http.Headers;
using System.Text;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>The emulator counts a request it could not process with the status it answered, and applies a bulk body whole or not at all.</summary>
public sealed class EmulatorStrictnessTests : IAsyncLifetime
{
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    private static string Entry(string email, string properties) =>
        "{\"type\":\"event-bulk-create\",\"attributes\":{\"profile\":{\"data\":{\"type\":\"profile\",\"attributes\":{\"email\":\"" + email + "\"}}}," +
        "\"events\":{\"data\":[{\"type\":\"event\",\"attributes\":{\"properties\":" + properties + ",\"metric\":{\"data\":{\"type\":\"metric\",\"attributes\":{\"name\":\"Viewed\"}}}}}]}}}";

    [Fact]
    public async Task A_bulk_body_it_cannot_process_is_counted_with_its_real_status_and_none_of_it_is_applied()
    {
        using var http = new HttpClient { BaseAddress = _klaviyo.BaseAddress };
        var body = "{\"data\":{\"type\":\"event-bulk-create-job\",\"attributes\":{\"events-bulk-create\":{\"data\":[" +
            Entry("good@example.com", "{\"a\":1}") + "," + Entry("bad@example.com", "{\"a\":1,\"a\":2}") + "]}}}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event-bulk-create-jobs") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.api+json");
        request.Headers.TryAddWithoutValidation("Authorization", "Klaviyo-API-Key pk_emulator_test");
        request.Headers.TryAddWithoutValidation("revision", KlaviyoApi.Revision);
        using var response = await http.SendAsync(request);
        // Let any job the request created run.
        await http.GetAsync("/api/events");

        var status = (int)response.StatusCode;
        Assert.True(status >= 400, $"answered {status}");
        Assert.Equal(1, _klaviyo.Counters.Get("POST /api/event-bulk-create-jobs", status));
        Assert.Equal(0, _klaviyo.Counters.Get("POST /api/event-bulk-create-jobs", 200) + _klaviyo.Counters.Get("POST /api/event-bulk-create-jobs", 202));
        Assert.Empty(_klaviyo.State.Events);
        Assert.Null(_klaviyo.State.FindProfile("good@example.com"));
    }
}
