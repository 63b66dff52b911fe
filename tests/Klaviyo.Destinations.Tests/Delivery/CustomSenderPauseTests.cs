using System.Collections.Concurrent;
using Klaviyo.Destinations.Tests.Hosting;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// A user-supplied <see cref="IKlaviyoSender"/> (a decorator, a relay) gets the same pause as the built-in sender: a
/// refused key or an outage keeps every item instead of rejecting or dead-lettering it; while paused one waiting item
/// at a time is the trial, on the probe schedule, and its success resumes delivery.
/// </summary>
public sealed class CustomSenderPauseTests
{
    [Theory]
    [InlineData(401, DeliveryState.CredentialsRefused)]
    [InlineData(503, DeliveryState.KlaviyoUnavailable)]
    public async Task A_failing_sender_pauses_keeps_every_item_and_resumes_when_it_works(int failure, DeliveryState expected)
    {
        const int Events = 40;
        var sender = new SwitchableSender(failure);
        var outcomes = new OutcomeCounter(Events);
        var logs = new SignalingLoggerProvider();
        using var loggers = LoggerFactory.Create(l => l.AddProvider(logs));
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_custom_sender",
            QueueStorage = QueueStorage.Memory,
            MaxAttempts = 3,                                  // would dead-letter everything if failures counted
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            PausedProbeInterval = TimeSpan.FromMilliseconds(100),
            OnOutcome = outcomes.Record,
        };
        await using var analytics = new Analytics(options, loggerFactory: loggers, sender: sender);
        for (var n = 0; n < Events; n++)
            analytics.Track($"user-{n % 10}", "Custom Sender", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"custom-{n}" });

        var paused = await logs.WhenLogged(301).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(expected.ToString(), paused);
        Assert.Equal(expected, analytics.Destination.State);
        // Trials go on while paused: wait for a few of them to fail too, then the sender works again.
        await sender.FailedAtLeast(DeliveryGate.OutageThreshold + 3).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(outcomes.NotDelivered);
        Assert.Equal(expected, analytics.Destination.State);
        sender.Works = true;

        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(30));
        await logs.WhenLogged(302).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(outcomes.NotDelivered);
        Assert.Equal(Events, sender.Delivered.Count);
        Assert.Equal(Events, sender.Delivered.Distinct().Count());
        Assert.Equal(DeliveryState.Running, analytics.Destination.State);
        // While paused, items went one trial at a time on the probe schedule, not every item every retry.
        Assert.InRange(sender.Failures, DeliveryGate.OutageThreshold + 3, 200);
    }

    private sealed class SwitchableSender(int failure) : IKlaviyoSender
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _waits = new();
        private int _failures;

        public volatile bool Works;

        public ConcurrentBag<string> Delivered { get; } = [];

        public int Failures => Volatile.Read(ref _failures);

        public Task FailedAtLeast(int count) => _waits.GetOrAdd(count, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken)
        {
            if (Works)
            {
                Delivered.Add(item.UniqueId!);
                return Task.FromResult(new SendResult(SendStatus.Delivered, 202));
            }
            var failures = Interlocked.Increment(ref _failures);
            foreach (var (count, wait) in _waits)
                if (failures >= count) wait.TrySetResult();
            return Task.FromResult(failure == 401
                ? new SendResult(SendStatus.Rejected, 401, "Klaviyo answered 401: Incorrect authentication credentials.")
                : new SendResult(SendStatus.Retry, 503, "Klaviyo answered 503"));
        }
    }
}
