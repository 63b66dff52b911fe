using System.Globalization;

namespace Klaviyo.Emulator;

/// <summary>Standalone entry point: <c>dotnet run --project src/Klaviyo.Emulator -- --port 5080</c>.</summary>
internal static class Program
{
    internal const string Usage = """
        Klaviyo emulator (revision 2026-07-15) on 127.0.0.1

        Options:
          --port N               TCP port (default 5080; 0 = any free port)
          --rate-limits off|real enforce the spec's rate tiers (default real)
          --time-scale N         emulated seconds per real second (default 1; 60 = a minute per second)
          --job-delay-ms N       emulated delay before bulk jobs complete (default 0)
          --fail-rate F          fraction 0..1 of requests answered with --fail-status (default 0)
          --fail-status N        500, 502, 503 or 504 (default 503)
          --latency-ms N         delay added to every API request (default 0)
          --reset-rate F         fraction 0..1 of connections aborted (default 0)
          --down-seconds N       answer 503 for the first N seconds
          --api-key KEY          accept only this key (repeatable; default: any non-empty key)
          --list ID=NAME         create a list with a fixed id (repeatable)
          --forbidden-api-key KEY answer this key with 403 permission_denied (repeatable)
          --auto-confirm-double-opt-in  double opt-in subscriptions take effect at once
                                 (default: pending until POST /_emulator/confirm, like live Klaviyo)
          --import-error-pointers request|row|none  how import-error rows point at the profile
                                 (default request)
          --seed N               seed for ids and fault dice
          --help                 show this text
        """;

    public static Task<int> Main(string[] args) => EmulatorCommandLine.RunAsync(args);

    internal static KlaviyoEmulatorOptions Parse(string[] args)
    {
        var options = new KlaviyoEmulatorOptions { Port = 5080 };
        var faults = EmulatorFaults.None;
        double? downSeconds = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            double Number() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            switch (name)
            {
                case "--help" or "-h":
                    throw new HelpRequestedException();
                case "--port":
                    options.Port = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--rate-limits":
                    options.RateLimitsEnabled = Value() switch
                    {
                        "off" => false,
                        "real" or "on" => true,
                        var v => throw new ArgumentException($"--rate-limits must be off or real, not '{v}'."),
                    };
                    break;
                case "--time-scale":
                    options.TimeScale = Number() is > 0 and var scale ? scale : throw new ArgumentException("--time-scale must be positive.");
                    break;
                case "--job-delay-ms":
                    options.JobDelay = TimeSpan.FromMilliseconds(Number());
                    break;
                case "--fail-rate":
                    faults = faults with { FailureRate = Number() };
                    break;
                case "--fail-status":
                    faults = faults with { FailureStatusCode = int.Parse(Value(), CultureInfo.InvariantCulture) };
                    break;
                case "--latency-ms":
                    faults = faults with { Latency = TimeSpan.FromMilliseconds(Number()) };
                    break;
                case "--reset-rate":
                    faults = faults with { ResetRate = Number() };
                    break;
                case "--down-seconds":
                    downSeconds = Number();
                    break;
                case "--api-key":
                    (options.ValidApiKeys ??= new HashSet<string>(StringComparer.Ordinal)).Add(Value());
                    break;
                case "--forbidden-api-key":
                    options.ForbiddenApiKeys.Add(Value());
                    break;
                case "--auto-confirm-double-opt-in":
                    options.AutoConfirmDoubleOptIn = true;
                    break;
                case "--import-error-pointers":
                    options.ImportErrorShape = Value() switch
                    {
                        "request" => ImportErrorShape.RequestPointer,
                        "row" => ImportErrorShape.RowPointer,
                        "none" => ImportErrorShape.Bare,
                        var v => throw new ArgumentException($"--import-error-pointers must be request, row or none, not '{v}'."),
                    };
                    break;
                case "--list":
                    var pair = Value().Split('=', 2);
                    options.Lists[pair[0]] = pair.Length > 1 ? pair[1] : pair[0];
                    break;
                case "--seed":
                    options.RandomSeed = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (downSeconds is > 0)
        {
            faults = faults with { DownUntil = options.TimeProvider.GetUtcNow().AddSeconds(downSeconds.Value) };
        }

        options.Faults = faults;
        return options;
    }

    internal sealed class HelpRequestedException : Exception
    {
    }
}
