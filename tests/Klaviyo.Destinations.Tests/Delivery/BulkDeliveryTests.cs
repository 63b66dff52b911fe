using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Tests.Support;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// The sender against the loopback emulator with Klaviyo's real rate tiers, time-compressed: bulk jobs, budgets,
/// retries, per-item rejections, per-user order.
/// </summary>
public sealed class BulkDeliveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double TimeScale = 30;
    private KlaviyoEmulator _klaviyo = null!;
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();
    private readonly RecordingHandler _handler = new();
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
        {
            Port = 0,
            TimeScale = TimeScale,
            RandomSeed = 5,
        });
        _http = new HttpClient(_handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _klaviyo.DisposeAsync();
    }

    /// <summary>Bulk jobs stay "queued" for 3 emulated seconds (50 ms here), so profile import jobs are followed through polling.</summary>
    private async Task UseSlowJobsAsync(ImportErrorShape importErrors = ImportErrorShape.RequestPointer)
    {
        await _klaviyo.DisposeAsync();
        _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
        {
            Port = 0, TimeScale = TimeScale, JobDelay = TimeSpan.FromSeconds(3), RandomSeed = 5, ImportErrorShape = importErrors,
        });
    }

    /// <summary>ada and bob exist; then one job of three rows where ada's row claims bob's email (Klaviyo's job refuses it).</summary>
    private async Task ImportWithOneConflictAsync()
    {
        var allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var analytics = Client(o =>
        {
            o.FlushInterval = TimeSpan.FromHours(1);
            o.FlushCount = 3; // the three rows of the second step leave together, in one import job (no forced flush)
            o.OnOutcome = outcome =>
            {
                _outcomes.Enqueue(outcome);
                if (_outcomes.Count >= 5) allAnswered.TrySetResult();
            };
        });
        analytics.Identify("ada", new Dictionary<string, object?> { ["email"] = "ada@example.com" });
        analytics.Identify("bob", new Dictionary<string, object?> { ["email"] = "bob@example.com" });
        await FlushAsync(analytics);
        analytics.Identify("ada", new Dictionary<string, object?> { ["email"] = "bob@example.com" }, new MessageOptions { MessageId = "conflict" });
        analytics.Identify("cy", new Dictionary<string, object?> { ["email"] = "cy@example.com" });
        analytics.Identify("di", new Dictionary<string, object?> { ["email"] = "di@example.com" });
        await allAnswered.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task An_import_error_whose_pointer_names_only_the_row_is_matched_through_its_original_payload()
    {
        await UseSlowJobsAsync(ImportErrorShape.RowPointer);
        await ImportWithOneConflictAsync();
        var rejected = Assert.Single(_outcomes, o => o.Status != DeliveryStatus.Delivered);
        Assert.Equal("conflict", rejected.MessageId);
        Assert.Contains("import job", rejected.Reason);
        Assert.Equal(4, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
    }

    [Fact]
    public async Task An_import_error_that_names_no_item_is_reported_as_unmatched_never_as_delivered()
    {
        await UseSlowJobsAsync(ImportErrorShape.Bare);
        await ImportWithOneConflictAsync();
        // The first job (ada, bob) had no error; of the second, no item may be called delivered.
        Assert.Equal(2, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        var unmatched = _outcomes.Where(o => o.Status == DeliveryStatus.Rejected).ToArray();
        Assert.Equal(3, unmatched.Length);
        Assert.Contains(unmatched, o => o.MessageId == "conflict");
        Assert.All(unmatched, o => Assert.StartsWith("Unmatched import error", o.Reason));
        output.WriteLine(unmatched[0].Reason);
    }

    private Analytics Client(Action<KlaviyoDestinationOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_bulk_secret",
            BaseUrl = _klaviyo.BaseAddress,
            RateLimitTimeScale = TimeScale,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            FlushInterval = TimeSpan.FromMilliseconds(50),
            OnOutcome = _outcomes.Enqueue,
        };
        configure?.Invoke(options);
        return new Analytics(options, _http, timeProvider: time);
    }

    private static Dictionary<string, object?> Traits(int user, int round) => new()
    {
        ["email"] = $"user{user}@example.com",
        ["firstName"] = $"First{user}",
        ["round"] = round,
    };

    private static Dictionary<string, object?> Viewed(int user, int round) => new() { ["product_id"] = $"p-{user}-{round}", ["price"] = 9.5 };

    private async Task FlushAsync(Analytics analytics) =>
        await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

    private int Requests(string endpoint) => _klaviyo.Counters.Total(endpoint);

    [Fact]
    public async Task Forty_thousand_calls_for_2000_users_all_arrive_within_Klaviyos_limits_in_order_per_user()
    {
        const int users = 2000, rounds = 10;
        var watch = Stopwatch.StartNew();
        await using (var analytics = Client())
        {
            for (var round = 0; round < rounds; round++)
            {
                for (var user = 0; user < users; user++)
                {
                    analytics.Identify($"user-{user}", Traits(user, round));
                    analytics.Track($"user-{user}", "Product Viewed", Viewed(user, round), new MessageOptions { MessageId = $"view-{user}-{round}" });
                }
            }
            await FlushAsync(analytics);
        }
        watch.Stop();

        // 0 lost: every call has a delivered outcome and is in Klaviyo
        Assert.Equal(2 * users * rounds, _outcomes.Count);
        Assert.All(_outcomes, o => Assert.True(o.Status == DeliveryStatus.Delivered, $"{o.Status}: {o.Reason}"));
        var state = _klaviyo.State;
        Assert.Equal(users, state.Profiles.Count);
        Assert.Equal(users * rounds, state.Events.Count);
        Assert.Equal(users * rounds, state.Events.Select(e => e.UniqueId).Distinct().Count());
        // the last identify of each user won: profile updates landed in order
        Assert.All(state.Profiles, p => Assert.Equal(rounds - 1, (int?)p.Properties["round"]));

        // every batch within Klaviyo's limits (the emulator would answer 400/413 otherwise)
        Assert.Equal(0, _klaviyo.Counters.WithStatus(400) + _klaviyo.Counters.WithStatus(413));

        // per-user order: each request carrying a user starts after that user's previous request finished
        // (for a profile import job: after the job was seen complete)
        AssertOrderPerUser(rounds);

        var snapshot = _klaviyo.Counters.Snapshot();
        var total = snapshot.Values.Sum(s => s.Values.Sum());
        var throttled = _klaviyo.Counters.WithStatus(429);
        output.WriteLine($"{2 * users * rounds:N0} calls delivered in {watch.Elapsed.TotalSeconds:0.00} s ({2 * users * rounds / watch.Elapsed.TotalSeconds:N0} items/s real, time scale {TimeScale})");
        output.WriteLine($"{total} requests, {throttled} answered 429 ({100.0 * throttled / total:0.00} %)");
        foreach (var (endpoint, statuses) in snapshot.OrderBy(p => p.Key))
            output.WriteLine($"  {endpoint}: {string.Join(", ", statuses.Select(s => $"{s.Key} × {s.Value}"))}");
        var bulk = _handler.Exchanges.Where(e => e.Method == "POST" && e.Status == 202 && e.Path.Contains("bulk")).ToList();
        output.WriteLine($"bulk requests: {bulk.Count}, largest body {bulk.Max(e => e.RequestBody!.Length):N0} bytes");
        foreach (var group in _handler.Exchanges.GroupBy(e => e.Method + " " + (e.Path.Count(c => c == '/') > 2 ? "/api/profile-bulk-import-jobs/{id}" : e.Path)))
            output.WriteLine($"  {group.Key}: {group.Count()} requests, {group.Average(e => e.Elapsed.TotalMilliseconds):0} ms on average, {group.Sum(e => e.Elapsed.TotalMilliseconds):0} ms in all");
    }

    private void AssertOrderPerUser(int rounds)
    {
        var exchanges = _handler.Exchanges.ToList();
        // a profile job is finished when a GET of it answered "complete"
        var jobDone = exchanges.Where(e => e.Method == "GET" && e.Status == 200 && e.Path.StartsWith("/api/profile-bulk-import-jobs/", StringComparison.Ordinal)
                                           && (string?)e.Response!["data"]!["attributes"]!["status"] == "complete")
            .GroupBy(e => (string)e.Response!["data"]!["id"]!)
            .ToDictionary(g => g.Key, g => g.Min(e => e.Answered));
        var operations = new Dictionary<string, List<(long Start, long Done, char Kind)>>();
        foreach (var e in exchanges.Where(e => e.Method == "POST" && e.Status is >= 200 and < 300))
        {
            var body = e.Request!;
            var (ids, kind, done) = e.Path switch
            {
                "/api/profile-bulk-import-jobs" => (body["data"]!["attributes"]!["profiles"]!["data"]!.AsArray().Select(r => (string)r!["attributes"]!["external_id"]!).ToList(),
                    'P', jobDone[(string)e.Response!["data"]!["id"]!]),
                "/api/profile-import" => ([(string)body["data"]!["attributes"]!["external_id"]!], 'P', e.Answered),
                "/api/event-bulk-create-jobs" => (body["data"]!["attributes"]!["events-bulk-create"]!["data"]!.AsArray()
                    .SelectMany(entry => entry!["attributes"]!["events"]!["data"]!.AsArray().Select(_ => (string)entry["attributes"]!["profile"]!["data"]!["attributes"]!["external_id"]!)).ToList(), 'E', e.Answered),
                "/api/events" => ([(string)body["data"]!["attributes"]!["profile"]!["data"]!["attributes"]!["external_id"]!], 'E', e.Answered),
                _ => (new List<string>(), '?', 0L),
            };
            foreach (var id in ids)
            {
                if (!operations.TryGetValue(id, out var list)) operations[id] = list = [];
                list.Add((e.Started, done, kind));
            }
        }
        foreach (var (user, list) in operations)
        {
            var ordered = list.OrderBy(o => o.Start).ToList();
            Assert.Equal(string.Concat(Enumerable.Repeat("PE", rounds)), new string(ordered.Select(o => o.Kind).ToArray()));
            for (var i = 1; i < ordered.Count; i++)
                Assert.True(ordered[i].Start > ordered[i - 1].Done, $"{user}: request {i} ({ordered[i].Kind}) left before request {i - 1} ({ordered[i - 1].Kind}) finished");
        }
    }

    [Fact]
    public async Task The_budget_keeps_single_profile_imports_near_the_tier_with_few_429s()
    {
        // profile-import allows 75/s and 750/m; at time scale 30 that is 375 requests per real second
        const int profiles = 3000;
        await using (var analytics = Client(o => { o.DeliveryMode = DeliveryMode.LowLatency; o.MaxConcurrentBatches = 32; }))
        {
            for (var user = 0; user < profiles; user++) analytics.Identify($"user-{user}", Traits(user, 0));
            await FlushAsync(analytics);
        }
        Assert.Equal(profiles, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Equal(profiles, _klaviyo.State.Profiles.Count);
        var exchanges = _handler.Exchanges.ToList();
        var ok = exchanges.Where(e => e.Status is 200 or 201).ToList();
        var throttled = exchanges.Count(e => e.Status == 429);
        // the steady tier bounds the run: count from the end of the first minute's allowance
        var seconds = (ok.Max(e => e.Answered) - ok.Min(e => e.Started)) > 0 ? (double)_handler.ElapsedBetween(ok.Min(e => e.Started), ok.Max(e => e.Answered)).TotalSeconds : 0;
        var ceiling = 750 * TimeScale / 60;
        output.WriteLine($"{profiles} single profile imports, {throttled} answered 429 ({100.0 * throttled / exchanges.Count:0.00} % of {exchanges.Count} requests)");
        output.WriteLine($"throughput {ok.Count / seconds:0} requests/s real; steady ceiling {ceiling:0}/s (burst allowance of the first window included)");
    }

    [Fact]
    public async Task One_invalid_event_in_a_bulk_job_is_rejected_with_its_pointer_and_the_others_are_delivered()
    {
        // Our clock runs three years ahead of Klaviyo's, so the mapper's time check passes what Klaviyo refuses.
        await using (var analytics = Client(o => o.FlushInterval = TimeSpan.FromHours(1), new ShiftedTimeProvider(TimeSpan.FromDays(3 * 365))))
        {
            var now = new MessageOptions { Timestamp = DateTimeOffset.UtcNow };
            for (var user = 0; user < 5; user++) analytics.Track($"user-{user}", "Now", Viewed(user, 0), now);
            analytics.Track("user-3", "From the future", null, new MessageOptions { Timestamp = DateTimeOffset.UtcNow.AddYears(3) });
            analytics.Track("user-4", "Later", Viewed(4, 1), now);
            await FlushAsync(analytics);
        }
        var rejected = Assert.Single(_outcomes, o => o.Status != DeliveryStatus.Delivered);
        Assert.Equal(DeliveryStatus.Rejected, rejected.Status);
        Assert.Equal("/data/attributes/time", rejected.Field);
        Assert.Contains("400", rejected.Reason);
        Assert.Equal(6, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Equal(6, _klaviyo.State.Events.Count);
        Assert.DoesNotContain(_klaviyo.State.Events, e => e.MetricName == "From the future");
        Assert.Equal(1, _klaviyo.Counters.Get("POST /api/event-bulk-create-jobs", 400));
        Assert.Equal(1, _klaviyo.Counters.Get("POST /api/event-bulk-create-jobs", 202));
    }

    [Fact]
    public async Task Server_errors_timeouts_and_dropped_connections_are_retried_to_success()
    {
        _klaviyo.SetFaults(new EmulatorFaults { FailNext = 3, FailureStatusCode = 503, ResetRate = 0.3 });
        _handler.HangNext(2);
        await using (var analytics = Client(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300)))
        {
            for (var user = 0; user < 50; user++)
            {
                analytics.Identify($"user-{user}", Traits(user, 0));
                analytics.Track($"user-{user}", "Product Viewed", Viewed(user, 0), new MessageOptions { MessageId = $"view-{user}" });
            }
            await FlushAsync(analytics);
        }
        Assert.Equal(100, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Equal(50, _klaviyo.State.Profiles.Count);
        Assert.Equal(50, _klaviyo.State.Events.Count);
        Assert.Equal(3, _klaviyo.Counters.WithStatus(503));
        output.WriteLine($"resets: {_klaviyo.Counters.WithStatus(0)}, 503s: {_klaviyo.Counters.WithStatus(503)}");
    }

    [Fact]
    public async Task A_refused_key_pauses_delivery_and_no_job_is_sent_again()
    {
        await using var restricted = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { ValidApiKeys = new HashSet<string> { "pk_right" } });
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_wrong_secret", BaseUrl = restricted.BaseAddress, OnOutcome = outcomes.Enqueue, FlushInterval = TimeSpan.FromHours(1),
        }))
        {
            for (var user = 0; user < 20; user++)
            {
                analytics.Identify($"user-{user}", Traits(user, 0));
                analytics.Track($"user-{user}", "Product Viewed", Viewed(user, 0));
            }
            await analytics.FlushAsync();
        }
        // A refused key is not the items' fault: delivery pauses and keeps them (here until the in-memory queue is
        // disposed), none is rejected, and no job is sent again while the key is refused.
        Assert.Equal(40, outcomes.Count(o => o.Status == DeliveryStatus.Expired && o.Reason!.Contains("401")));
        Assert.InRange(restricted.Counters.Total("POST /api/profile-bulk-import-jobs"), 0, 1);
        Assert.InRange(restricted.Counters.Total("POST /api/event-bulk-create-jobs"), 0, 1);
        Assert.InRange(restricted.Counters.Total("POST /api/profile-bulk-import-jobs") + restricted.Counters.Total("POST /api/event-bulk-create-jobs"), 1, 2);
    }

    [Fact]
    public async Task A_row_the_import_job_refuses_is_rejected_per_item_and_the_rest_delivered()
    {
        await UseSlowJobsAsync();
        await using (var analytics = Client(o => o.FlushInterval = TimeSpan.FromHours(1)))
        {
            analytics.Identify("ada", new Dictionary<string, object?> { ["email"] = "ada@example.com" });
            analytics.Identify("bob", new Dictionary<string, object?> { ["email"] = "bob@example.com" });
            await FlushAsync(analytics);
            // ada claims bob's email: Klaviyo's job refuses that row (identifiers of two different profiles)
            analytics.Identify("ada", new Dictionary<string, object?> { ["email"] = "bob@example.com" }, new MessageOptions { MessageId = "conflict" });
            analytics.Identify("cy", new Dictionary<string, object?> { ["email"] = "cy@example.com" });
            analytics.Identify("di", new Dictionary<string, object?> { ["email"] = "di@example.com" });
            await FlushAsync(analytics);
        }
        var rejected = Assert.Single(_outcomes, o => o.Status != DeliveryStatus.Delivered);
        Assert.Equal("conflict", rejected.MessageId);
        Assert.Equal(DeliveryStatus.Rejected, rejected.Status);
        Assert.Contains("import job", rejected.Reason);
        Assert.StartsWith("/data", rejected.Field);
        output.WriteLine($"{rejected.Reason} @ {rejected.Field}");
        Assert.Equal(4, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.NotNull(_klaviyo.State.FindProfile("cy@example.com"));
        Assert.Equal("ada", _klaviyo.State.FindProfile("ada@example.com")!.ExternalId);
        Assert.True(Requests("GET /api/profile-bulk-import-jobs/{id}/import-errors") >= 1);
    }

    [Fact]
    public async Task Low_latency_mode_and_single_items_use_the_single_endpoints()
    {
        await using (var analytics = Client(o => o.DeliveryMode = DeliveryMode.LowLatency))
        {
            for (var user = 0; user < 10; user++)
            {
                analytics.Identify($"user-{user}", Traits(user, 0));
                analytics.Track($"user-{user}", "Product Viewed", Viewed(user, 0));
            }
            await FlushAsync(analytics);
        }
        Assert.Equal(20, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Equal(10, _klaviyo.Counters.Get("POST /api/events", 202));
        Assert.Equal(10, _klaviyo.Counters.Total("POST /api/profile-import") - _klaviyo.Counters.WithStatus(429));
        Assert.Equal(0, Requests("POST /api/event-bulk-create-jobs") + Requests("POST /api/profile-bulk-import-jobs"));
    }

    [Fact]
    public async Task Profiles_of_a_followed_job_are_in_Klaviyo_when_flush_returns()
    {
        await UseSlowJobsAsync();
        await using (var analytics = Client())
        {
            for (var user = 0; user < 30; user++) analytics.Identify($"user-{user}", Traits(user, 0));
            await FlushAsync(analytics);
            Assert.Equal(30, _klaviyo.State.Profiles.Count);
        }
        // followed while queued: more than one read of the job
        Assert.True(Requests("GET /api/profile-bulk-import-jobs/{job_id}") >= 2);
    }
}
