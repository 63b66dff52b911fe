namespace Klaviyo.Emulator.Tests.Inspector;

/// <summary>
/// A fact that needs a Chromium executable (Debian's <c>chromium</c> package at /usr/bin/chromium, or
/// <c>CHROMIUM_PATH</c>). Skipped with a reason when there is none — except under CI=true, where it runs (and fails).
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath)
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"No Chromium at {ExecutablePath} (apt-get install -y chromium, or set CHROMIUM_PATH).";
        }
    }

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";
}
