using Klaviyo.Destinations.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>The startup warning for a revision past Klaviyo's one-year stable window, on the client's clock.</summary>
public sealed class RevisionWarningTests
{
    private sealed class ListLogger(List<string> lines) : ILogger, ILoggerProvider, ILoggerFactory
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    [Theory]
    [InlineData(2026, 9, false)]
    [InlineData(2027, 8, true)]
    public async Task A_revision_older_than_a_year_is_warned_about_once_at_startup(int year, int month, bool warned)
    {
        var lines = new List<string>();
        var clock = new FakeTimeProvider(new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero));
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_x" }, loggerFactory: new ListLogger(lines), timeProvider: clock, sender: new CapturingSender()))
        {
            analytics.Track("u", "One");
            analytics.Track("u", "Two");
            await analytics.FlushAsync();
        }
        Assert.Equal(warned ? 1 : 0, lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("stable window")));
    }
}
