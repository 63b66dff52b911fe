using System.Net;
using Klaviyo.Emulator.Admin;
using Klaviyo.Emulator.Endpoints;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Emulator;

/// <summary>
/// A Klaviyo REST API (revision 2026-07-15) on 127.0.0.1: validates requests against the official OpenAPI schemas,
/// enforces the documented limits and rate tiers, keeps profiles, events, lists and consent, injects faults on demand
/// and lets tests and people inspect what arrived.
/// </summary>
/// <example>
/// <code>
/// await using var klaviyo = await KlaviyoEmulator.StartAsync();
/// var http = new HttpClient { BaseAddress = klaviyo.BaseAddress };
/// // ... send requests, then assert on klaviyo.State.Profiles / klaviyo.State.Events / klaviyo.Counters
/// </code>
/// </example>
public sealed partial class KlaviyoEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorRuntime _runtime;
    private int _disposed;

    private KlaviyoEmulator(WebApplication app, EmulatorRuntime runtime, Uri baseAddress)
    {
        _app = app;
        _runtime = runtime;
        BaseAddress = baseAddress;
        State = new EmulatorState(runtime);
    }

    /// <summary>The root URL, e.g. <c>http://127.0.0.1:5080/</c>; API paths are relative to it (<c>api/events</c>).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Snapshots of profiles, events, lists, jobs and rejected requests.</summary>
    public EmulatorState State { get; }

    /// <summary>Request counts by endpoint and status.</summary>
    public EmulatorCounters Counters => _runtime.Counters;

    /// <summary>The faults in effect now.</summary>
    public EmulatorFaults Faults => _runtime.Faults.Current;

    /// <summary>Whether rate limits are enforced; can be switched at run time.</summary>
    public bool RateLimitsEnabled
    {
        get => _runtime.RateLimiter.Enabled;
        set => _runtime.RateLimiter.Enabled = value;
    }

    /// <summary>Emulated seconds per real second for rate-limit windows and job delays; changing it restarts all windows.</summary>
    public double TimeScale
    {
        get => _runtime.RateLimiter.TimeScale;
        set => _runtime.RateLimiter.TimeScale = value;
    }

    /// <summary>
    /// How many requests have started waiting on injected <see cref="EmulatorFaults.Latency"/>. With a fake clock, wait
    /// until this rises before advancing the clock, so the delay is registered first.
    /// </summary>
    public int DelayedRequestCount => _runtime.Faults.LatencyWaits;

    /// <summary>Starts an emulator on 127.0.0.1 and returns once it accepts connections.</summary>
    /// <param name="options">Settings; null uses the defaults (free port, system clock, real rate limits).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<KlaviyoEmulator> StartAsync(KlaviyoEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KlaviyoEmulatorOptions();
        var runtime = new EmulatorRuntime(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(KlaviyoEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(runtime);

        var app = builder.Build();
        app.UseRouting();
        app.UseMiddleware<ApiMiddleware>();
        ApiRoutes.MapAll(app, runtime);
        AdminEndpoints.Map(app, runtime);

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel did not report an address.");
        return new KlaviyoEmulator(app, runtime, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Replaces the active faults.</summary>
    /// <param name="faults">The new faults; <see cref="EmulatorFaults.None"/> clears them.</param>
    public void SetFaults(EmulatorFaults faults) => _runtime.Faults.Current = faults;

    /// <summary>Clears all faults.</summary>
    public void ClearFaults() => _runtime.Faults.Current = EmulatorFaults.None;

    /// <summary>Makes the API "down" for <paramref name="duration"/> on the emulator's clock.</summary>
    /// <param name="duration">How long.</param>
    /// <param name="mode">503 responses (default) or aborted connections.</param>
    public void GoDown(TimeSpan duration, EmulatorDownMode mode = EmulatorDownMode.ServiceUnavailable) =>
        _runtime.Faults.Current = _runtime.Faults.Current with { DownUntil = _runtime.Time.GetUtcNow() + duration, DownMode = mode };

    /// <summary>Makes the next <paramref name="count"/> API requests fail with <paramref name="statusCode"/>.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">500, 502, 503 or 504.</param>
    public void FailNext(int count, int statusCode = 503) =>
        _runtime.Faults.Current = _runtime.Faults.Current with { FailNext = count, FailureStatusCode = statusCode };

    /// <summary>Creates a list, as <c>POST /api/lists</c> would, and returns its id.</summary>
    /// <param name="name">List name.</param>
    /// <param name="id">A fixed id, or null for a generated one.</param>
    /// <param name="doubleOptIn">Whether the list uses double opt-in.</param>
    public string CreateList(string name, string? id = null, bool doubleOptIn = false)
    {
        lock (_runtime.Store.Sync)
        {
            return _runtime.Store.CreateList(id, name, doubleOptIn ? "double_opt_in" : "single_opt_in").Id;
        }
    }

    /// <summary>
    /// Confirms pending double opt-in subscriptions, as the person clicking the confirmation email would: their email
    /// marketing consent becomes <c>SUBSCRIBED</c> and they join the list. Returns how many were confirmed.
    /// </summary>
    /// <param name="profile">A profile id, email, phone number or external id; null confirms everyone pending.</param>
    /// <param name="listId">Only this list; null for every list.</param>
    public int ConfirmDoubleOptIn(string? profile = null, string? listId = null)
    {
        lock (_runtime.Store.Sync)
        {
            _runtime.Store.Pump();
            return ConsentManager.Confirm(_runtime.Store, profile, listId);
        }
    }

    /// <summary>Forgets all data, counters, rejected requests, rate-limit windows and faults (the lists of the options are re-created).</summary>
    public void Reset() => _runtime.Reset();

    /// <summary>Completes when the host shuts down (Ctrl+C in standalone use) or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops listening and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
