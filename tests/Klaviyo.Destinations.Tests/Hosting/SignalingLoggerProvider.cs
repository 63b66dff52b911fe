using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>Keeps every log line and lets a test await the first entry with a given event id (a real signal, no polling).</summary>
internal sealed class SignalingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _waits = new();

    public ConcurrentQueue<string> Entries { get; } = new();

    public Task<string> WhenLogged(int eventId) => Wait(eventId).Task;

    public bool Logged(int eventId) => Wait(eventId).Task.IsCompleted;

    private TaskCompletionSource<string> Wait(int eventId) =>
        _waits.GetOrAdd(eventId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(SignalingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = $"{logLevel} {eventId.Id}: {formatter(state, exception)}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                text += " | " + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));
            owner.Entries.Enqueue(text);
            owner.Wait(eventId.Id).TrySetResult(text);
        }
    }
}
