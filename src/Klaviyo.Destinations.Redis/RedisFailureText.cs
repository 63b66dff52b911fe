using System.Globalization;
using System.Text.RegularExpressions;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// Short, one-line wording of StackExchange.Redis failures for health descriptions: what failed and where, e.g.
/// "connection refused: 127.0.0.1:6390" or "no answer within 2000 ms", from an exception message that runs to several
/// lines of connection state. The whole message stays available as the health check's data.
/// </summary>
internal static partial class RedisFailureText
{
    /// <summary>The longest first line kept when a message is of no known shape (the description must stay one short line).</summary>
    private const int MaxFallback = 60;

    /// <summary>The failure in a few words, with the server's endpoint when the message names one.</summary>
    public static string Summarize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return "no answer";
        if (Timeout().Match(message) is { Success: true } timeout)
            return $"no answer within {timeout.Groups[1].Value} ms";
        var endpoint = Endpoint().Match(message) is { Success: true } e ? e.Groups[1].Value : null;
        string? what = null;
        if (message.Contains("refused", StringComparison.OrdinalIgnoreCase)) what = "connection refused";
        else if (FailureType().Match(message) is { Success: true } type) what = Words(type.Groups[1].Value);
        else if (message.StartsWith("It was not possible to connect", StringComparison.Ordinal)) what = "cannot connect";
        // The multiplexer has no connection to the command's server and names no cause (it is reconnecting).
        else if (message.StartsWith("No connection is active/available", StringComparison.Ordinal)) what = "no connection";
        if (what is null)
        {
            var line = message.Split('\n', 2)[0].Trim();
            return line.Length <= MaxFallback ? line : string.Concat(line.AsSpan(0, MaxFallback), "…");
        }
        return Clamp(endpoint is null ? what : $"{what}: {endpoint}");
    }

    /// <summary>At most <see cref="MaxSummary"/> characters (a long host name is cut), so a description stays one short line.</summary>
    private static string Clamp(string text) =>
        text.Length <= MaxSummary ? text : string.Concat(text.AsSpan(0, MaxSummary - 1), "…");

    private const int MaxSummary = 80;

    /// <summary>"for 12 s", "for 5 min", "for 3 h": how long an outage has lasted, rounded down.</summary>
    public static string Lasting(TimeSpan elapsed)
    {
        if (elapsed < TimeSpan.Zero) elapsed = TimeSpan.Zero;
        if (elapsed < TimeSpan.FromMinutes(2)) return string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalSeconds} s");
        if (elapsed < TimeSpan.FromHours(2)) return string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalMinutes} min");
        return string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours} h");
    }

    private static string Words(string failureType) => failureType switch
    {
        "UnableToConnect" => "cannot connect",
        "UnableToResolvePhysicalConnection" => "cannot connect",
        "SocketFailure" => "connection lost",
        "SocketClosed" => "connection closed",
        "ConnectionDisposed" => "connection closed",
        "AuthenticationFailure" => "authentication failed",
        "Loading" => "Redis is loading its data",
        _ => "connection failed",
    };

    [GeneratedRegex(@"timeout is (\d+)\s*ms", RegexOptions.IgnoreCase)]
    private static partial Regex Timeout();

    [GeneratedRegex(@"\b(UnableToConnect|UnableToResolvePhysicalConnection|SocketFailure|SocketClosed|ConnectionDisposed|AuthenticationFailure|Loading|InternalFailure|ProtocolFailure|NoConnectionAvailable)\b")]
    private static partial Regex FailureType();

    [GeneratedRegex(@"\bon ([A-Za-z0-9.\-\[\]:]+:\d+)")]
    private static partial Regex Endpoint();
}
