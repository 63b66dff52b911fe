using Klaviyo.Emulator.Faults;
using Klaviyo.Emulator.RateLimiting;
using Klaviyo.Emulator.Spec;
using Klaviyo.Emulator.State;
using Klaviyo.Emulator.Validation;

namespace Klaviyo.Emulator.Http;

/// <summary>The emulator's moving parts, shared by the middleware, the endpoints and the public facade.</summary>
internal sealed class EmulatorRuntime
{
    private readonly Lock _rejectedLock = new();
    private readonly LinkedList<RejectedRequest> _rejected = new();

    public EmulatorRuntime(KlaviyoEmulatorOptions options)
    {
        Options = options;
        Time = options.TimeProvider;
        Spec = OpenApiSpec.Instance;
        Validator = new SchemaValidator(Spec);
        Store = new EmulatorStore(Time, new IdGenerator(options.RandomSeed));
        RateLimiter = new RateLimiter(Time, options.TimeScale, options.RateLimitsEnabled);
        Faults = new FaultInjector(Time, options.Faults, options.RandomSeed);
        SeedLists();
    }

    public KlaviyoEmulatorOptions Options { get; }

    public TimeProvider Time { get; }

    public OpenApiSpec Spec { get; }

    public SchemaValidator Validator { get; }

    public EmulatorStore Store { get; }

    public RateLimiter RateLimiter { get; }

    public FaultInjector Faults { get; }

    public EmulatorCounters Counters { get; } = new();

    /// <summary>Bulk job delay on the clock (emulated delay divided by the time scale).</summary>
    public TimeSpan JobDelay => Options.JobDelay <= TimeSpan.Zero ? TimeSpan.Zero : RateLimiter.Scale(Options.JobDelay);

    public IReadOnlyList<RejectedRequest> RejectedRequests
    {
        get
        {
            lock (_rejectedLock)
            {
                return _rejected.ToArray();
            }
        }
    }

    public void RecordRejected(RejectedRequest request)
    {
        lock (_rejectedLock)
        {
            _rejected.AddLast(request);
            while (_rejected.Count > Math.Max(1, Options.MaxRejectedRequests))
            {
                _rejected.RemoveFirst();
            }
        }
    }

    /// <summary>Forgets all data, counters, rejected requests, rate windows and faults; re-creates the seeded lists.</summary>
    public void Reset()
    {
        lock (Store.Sync)
        {
            Store.Clear();
            SeedLists();
        }

        lock (_rejectedLock)
        {
            _rejected.Clear();
        }

        Counters.Clear();
        RateLimiter.Clear();
        Faults.Current = EmulatorFaults.None;
    }

    private void SeedLists()
    {
        lock (Store.Sync)
        {
            foreach (var (id, name) in Options.Lists)
            {
                Store.CreateList(id, name, "single_opt_in");
            }
        }
    }
}
