using System.Diagnostics;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;
using Klaviyo.Destinations.Rules;
using PhoneNumbers;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// <c>--probe</c>: where the time of one realistic message goes. Each step is run alone over the same distinct
/// people (process CPU time — on a shared machine wall-clock time mostly measures waiting — and bytes allocated on
/// the thread, per call, median of 3 rounds over 20,000 people), so the README can explain a
/// missed target with the profile. Not a BenchmarkDotNet benchmark: a breakdown, read together with the full run.
/// </summary>
public static class Probe
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    public static void Run()
    {
        var people = RealisticPeople.All;
        var options = new MessageOptions { Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        var mapper = new MessageMapper(new KlaviyoDestinationOptions { ApiKey = "pk_bench" });
        var profileMapper = Mappers.Profile<BenchCustomer>();
        KlaviyoMapperRegistry.TryGetEventMapper<BenchOrder>(out var orderMapper);
        var dictionary = new DictionaryMapper(new Dictionary<string, ProfileField>());
        var output = new PooledOutput();
        var profile = new ProfileWriter();
        var evt = new EventWriter();
        var baselines = new RealisticBaselines();

        Step("identify typed: MessageMapper.Map (everything)", people, p => mapper.Map(Messages.Identify(p.UserId, p.Customer, options)));
        Step("identify dictionary: MessageMapper.Map (everything)", people, p => mapper.Map(Messages.Identify(p.UserId, p.Traits, options)));
        Step("identify hand-written baseline", people, p => baselines.Identify(p.Customer));
        Step("  libphonenumber Parse + IsValidNumber + Format(E164)", people, p =>
        {
            var n = s_phones.Parse(p.Customer.Phone, p.PhoneRegion);
            if (s_phones.IsValidNumber(n)) s_phones.Format(n, PhoneNumberFormat.E164);
        });
        Step("  libphonenumber Parse alone", people, p => s_phones.Parse(p.Customer.Phone, p.PhoneRegion));
        Step("  PhoneNormalizer.RegionFor(country)", people, p => PhoneNormalizer.RegionFor(p.Customer.Address.Country));
        Step("  email check (MailAddress)", people, p => MessageMapper.IsValidEmail(p.Customer.Email));
        Step("  generated profile mapper → ProfileWriter → JSON (no rules)", people, p =>
        {
            profile.Start(output.Reset());
            profileMapper.Map(p.Customer, profile);
            profile.Finish();
            output.Written();
        });
        Step("  dictionary traits → ProfileWriter → JSON (no rules)", people, p =>
        {
            profile.Start(output.Reset());
            foreach (var pair in p.Traits) dictionary.ProfileEntry(profile, pair.Key, pair.Value);
            profile.Finish();
            output.Written();
        });
        Step("  message + payload creation", people, p => Messages.Identify(p.UserId, p.Customer, options));

        Step("order typed: MessageMapper.Map (everything)", people, p => mapper.Map(Messages.Track(p.UserId, null, p.Order, options)));
        Step("order dictionary: MessageMapper.Map (everything)", people, p => mapper.Map(Messages.Track(p.UserId, "Order Completed", p.OrderProperties, options)));
        var items = new List<RealisticBaselines.Mapped>();
        Step("order hand-written baseline", people, p => { items.Clear(); baselines.Order(p.UserId, p.Order, items); });
        Step("  generated event mapper → EventWriter → JSON", people, p =>
        {
            evt.Start(output.Reset());
            orderMapper!.Map(p.Order, evt);
            evt.Finish();
            output.Written();
        });
        Step("  dictionary properties → EventWriter → JSON", people, p =>
        {
            evt.Start(output.Reset());
            foreach (var pair in p.OrderProperties) dictionary.EventEntry(evt, pair.Key, pair.Value);
            evt.Finish();
            output.Written();
        });
        var orderBytes = people.Select(p => mapper.Map(Messages.Track(p.UserId, null, p.Order, options)).Items[0].Properties!).ToArray();
        var index = 0;
        Step("  OrderFacts.Read", people, _ => OrderFacts.Read(orderBytes[index++ % orderBytes.Length]));

        Step("track typed: MessageMapper.Map (everything)", people, p => mapper.Map(Messages.Track(p.UserId, null, p.SignedUp, options)));
        Step("track dictionary: MessageMapper.Map (everything)", people, p => mapper.Map(Messages.Track(p.UserId, "Signed Up", p.SignedUpProperties, options)));
        Step("track hand-written baseline", people, p => baselines.Track(p.UserId, p.SignedUp));

        foreach (var mapping in new[] { MappingThread.Caller, MappingThread.Background })
        {
            CallerLatency($"caller-side Track (dictionary), {mapping}", mapping, (a, p) => a.Track(p.UserId, "Signed Up", p.SignedUpProperties));
            CallerLatency($"caller-side Track (typed), {mapping}", mapping, (a, p) => a.Track(p.UserId, p.SignedUp));
            CallerLatency($"caller-side Identify (typed), {mapping}", mapping, (a, p) => a.Identify(p.UserId, p.Customer));
        }
    }

    /// <summary>
    /// Wall time of each call on the caller's thread (the quantity a caller waits for), distinct people, in bursts of
    /// 10,000 calls with a flush (not timed) after each burst; percentiles over 60,000 calls after a warm-up.
    /// </summary>
    private static void CallerLatency(string name, MappingThread mapping, Action<Analytics, WorkloadPerson> call)
    {
        var people = RealisticPeople.All;
        var refused = 0;
        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory, ApiKey = "pk_bench", QueueCapacity = 1_000_000, MappingThread = mapping,
            OnOutcome = o => { if (o.Status != DeliveryStatus.Delivered) Interlocked.Increment(ref refused); },
        };
        using var http = new HttpClient(new InstantTransport());
        var analytics = new Analytics(options, http);
        var ticks = new List<long>(60_000);
        var next = 0;
        for (var burst = 0; burst < 8; burst++)
        {
            for (var i = 0; i < 10_000; i++)
            {
                var person = people[next++ % people.Length];
                var start = Stopwatch.GetTimestamp();
                call(analytics, person);
                if (burst >= 2) ticks.Add(Stopwatch.GetTimestamp() - start); // the first two bursts warm up
            }
            analytics.FlushAsync().GetAwaiter().GetResult();
        }
        analytics.DisposeAsync().AsTask().GetAwaiter().GetResult();
        ticks.Sort();
        double Us(double q) => ticks[(int)(q * (ticks.Count - 1))] * 1e6 / Stopwatch.Frequency;
        Console.WriteLine($"{name,-64} p50 {Us(0.5),6:F2} µs  p90 {Us(0.9),6:F2} µs  p99 {Us(0.99),7:F2} µs{(refused == 0 ? "" : $"  ({refused} not delivered!)")}");
    }

    private static void Step(string name, WorkloadPerson[] people, Action<WorkloadPerson> step)
    {
        // Warm up with a whole round: on a loaded machine the tiered JIT takes a while to give the step its optimized code.
        foreach (var p in people) step(p);
        var times = new List<double>();
        var bytes = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var p in people) step(p);
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
            times.Add(used / people.Length);
            bytes.Add((GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)people.Length);
        }
        times.Sort();
        bytes.Sort();
        Console.WriteLine($"{name,-64} {times[1],8:F2} µs CPU {bytes[1],8:F0} B");
    }
}
