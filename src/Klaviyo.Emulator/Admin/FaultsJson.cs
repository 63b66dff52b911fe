using System.Globalization;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Admin;

/// <summary>Reads and writes <see cref="EmulatorFaults"/> as the admin endpoint's JSON (camelCase, seconds and milliseconds as numbers).</summary>
internal static class FaultsJson
{
    public static JsonObject Write(EmulatorFaults f) => new()
    {
        ["failRate"] = f.FailureRate,
        ["failStatus"] = f.FailureStatusCode,
        ["failNext"] = f.FailNext,
        ["latencyMs"] = f.Latency.TotalMilliseconds,
        ["resetRate"] = f.ResetRate,
        ["downUntil"] = f.DownUntil?.ToString("O", CultureInfo.InvariantCulture),
        ["downMode"] = f.DownMode == EmulatorDownMode.ConnectionReset ? "reset" : "503",
    };

    /// <summary>Applies the members present in <paramref name="json"/> on top of <paramref name="current"/>.</summary>
    public static EmulatorFaults Merge(EmulatorFaults current, JsonObject json, DateTimeOffset now)
    {
        var f = current;
        if (json["failRate"] is { } rate)
        {
            f = f with { FailureRate = Fraction(rate, "failRate") };
        }

        if (json["failStatus"] is { } status)
        {
            var code = status.GetValue<int>();
            f = code is 500 or 502 or 503 or 504 ? f with { FailureStatusCode = code } : throw new ArgumentException("failStatus must be 500, 502, 503 or 504.");
        }

        if (json["failNext"] is { } next)
        {
            f = f with { FailNext = Math.Max(0, next.GetValue<int>()) };
        }

        if (json["latencyMs"] is { } latency)
        {
            f = f with { Latency = TimeSpan.FromMilliseconds(Math.Max(0, latency.GetValue<double>())) };
        }

        if (json["resetRate"] is { } reset)
        {
            f = f with { ResetRate = Fraction(reset, "resetRate") };
        }

        if (json["downMode"] is { } mode)
        {
            f = f with { DownMode = mode.GetValue<string>() is "reset" ? EmulatorDownMode.ConnectionReset : EmulatorDownMode.ServiceUnavailable };
        }

        if (json["downSeconds"] is { } down)
        {
            var seconds = down.GetValue<double>();
            f = f with { DownUntil = seconds > 0 ? now.AddSeconds(seconds) : null };
        }

        return f;
    }

    private static double Fraction(JsonNode node, string name)
    {
        var value = node.GetValue<double>();
        return value is >= 0 and <= 1 ? value : throw new ArgumentException($"{name} must be between 0 and 1.");
    }
}
