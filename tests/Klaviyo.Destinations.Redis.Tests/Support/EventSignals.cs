using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>A logger that completes a task the first time an event id is logged, so a test can await a log line.</summary>
internal sealed class EventSignals : ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, TaskCompletionSource> _seen = new();

    /// <summary>Completes when event <paramref name="eventId"/> has been logged (at once if it already was).</summary>
    public Task Seen(int eventId) => _seen.GetOrAdd(eventId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _seen.GetOrAdd(eventId.Id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
