using System.Diagnostics;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;
using Klaviyo.Destinations.Rules;
using PhoneNumbers;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// <c>--probe</c>: where the time of one realistic message goes. Each step is run alone over the same distinct
/// people (process CPU time — on a shared machine wall-clock time mostly measures waiting — and bytes allocated on
/// the thread, per call, median of 5 rounds over 20,000 people), so the README can explain a
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
    }

    private static void Step(string name, WorkloadPerson[] people, Action<WorkloadPerson> step)
    {
        foreach (var p in people.Take(2_000)) step(p); // warm up
        var times = new List<double>();
        var bytes = new List<double>();
        for (var round = 0; round < 5; round++)
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
        Console.WriteLine($"{name,-64} {times[2],8:F2} µs CPU {bytes[2],8:F0} B");
    }
}
