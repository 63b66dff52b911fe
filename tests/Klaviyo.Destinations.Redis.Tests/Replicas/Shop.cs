using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>
/// Realistic shop traffic for the replica scenarios: a different customer per number (name, email, phone and city in
/// one of eight countries), each identifying and then placing an order of one to three products in the country's
/// currency. Also what Klaviyo must show afterwards.
/// </summary>
internal static class Shop
{
    private static readonly (string Country, string City, string Currency, Func<int, string> Phone)[] s_countries =
    [
        ("US", "San Francisco", "USD", i => $"+1 415 555 {i % 10000:D4}"),
        ("GB", "London", "GBP", i => $"+44 20 7946 {i % 10000:D4}"),
        ("DE", "Berlin", "EUR", i => $"+49 30 {12000000 + i % 1000000:D8}"),
        ("FR", "Lyon", "EUR", i => $"+33 4 72 {i % 100:D2} {i / 100 % 100:D2} {i / 10000 % 100:D2}"),
        ("BR", "São Paulo", "BRL", i => $"+55 11 9{i % 10000:D4} {(i * 7) % 10000:D4}"),
        ("JP", "Ōsaka", "JPY", i => $"+81 6 {6000 + i % 4000:D4} {i % 10000:D4}"),
        ("IN", "Bengaluru", "INR", i => $"+91 98{i % 100000000:D8}"),
        ("AU", "Melbourne", "AUD", i => $"+61 3 9{i % 1000:D3} {(i * 3) % 10000:D4}"),
    ];

    private static readonly string[] s_first = ["Ada", "Grace", "Alan", "Hedy", "Linus", "Margaret", "Edsger", "Barbara", "Ken", "Radia", "Tim", "Frances", "Dennis", "Sophie", "Guido", "Shafi"];
    private static readonly string[] s_last = ["Lovelace", "Hopper", "Turing", "Lamarr", "Torvalds", "Hamilton", "Dijkstra", "Liskov", "Thompson", "Perlman", "Berners-Lee", "Allen", "Ritchie", "Wilson", "van Rossum", "Goldwasser"];

    private static readonly (string Id, string Sku, string Name, decimal Price)[] s_catalog =
    [
        ("p-100", "KB-ERGO", "Split keyboard", 189.00m),
        ("p-101", "MS-TRK", "Trackball", 64.50m),
        ("p-102", "MN-27Q", "27\" monitor", 329.99m),
        ("p-103", "HD-NC", "Noise-cancelling headphones", 249.00m),
        ("p-104", "CB-USBC", "USB-C cable (2 m)", 12.90m),
        ("p-105", "DK-ST", "Standing desk", 549.00m),
    ];

    public sealed record Customer(int Number, string UserId, string Email, string FirstName, string LastName, string Phone, string City, string Country, string Currency)
    {
        public string E164 => new([.. Phone.Where(c => c == '+' || char.IsAsciiDigit(c))]);
    }

    public sealed record Order(string OrderId, string Currency, IReadOnlyList<(string Id, string Sku, string Name, decimal Price, int Quantity)> Lines);

    public static Customer CustomerNo(int i)
    {
        var (country, city, currency, phone) = s_countries[i % s_countries.Length];
        var first = s_first[i % s_first.Length];
        var last = s_last[(i / s_first.Length + i) % s_last.Length];
        var email = $"{first}.{last.Replace(" ", "", StringComparison.Ordinal)}.{i}@example.{country.ToLowerInvariant()}".ToLowerInvariant();
        return new Customer(i, $"cust-{i:D5}", email, first, last, phone(i), city, country, currency);
    }

    public static Order OrderOf(Customer customer)
    {
        var i = customer.Number;
        var lines = Enumerable.Range(0, 1 + i % 3)
            .Select(k => s_catalog[(i + k * 2) % s_catalog.Length])
            .Select((p, k) => (p.Id, p.Sku, p.Name, p.Price, 1 + (i + k) % 2))
            .ToList();
        return new Order($"ord-{i:D5}", customer.Currency, lines);
    }

    /// <summary>The events Klaviyo must hold for these customers' orders, by metric and unique_id.</summary>
    public static HashSet<(string Metric, string UniqueId)> ExpectedEvents(IEnumerable<Customer> customers)
    {
        var expected = new HashSet<(string, string)>();
        foreach (var customer in customers)
        {
            var order = OrderOf(customer);
            expected.Add(("Placed Order", order.OrderId));
            foreach (var line in order.Lines) expected.Add(("Ordered Product", $"{order.OrderId}_{line.Id}"));
        }
        return expected;
    }

    public static object IdentifyBody(Customer c) => new
    {
        userId = c.UserId, email = c.Email, firstName = c.FirstName, lastName = c.LastName, phone = c.Phone, city = c.City, country = c.Country,
        messageId = $"identify-{c.UserId}",
    };

    public static object OrderBody(Customer c)
    {
        var order = OrderOf(c);
        return new
        {
            userId = c.UserId, orderId = order.OrderId, currency = order.Currency,
            products = order.Lines.Select(l => new { productId = l.Id, sku = l.Sku, name = l.Name, price = l.Price, quantity = l.Quantity }),
            messageId = $"order-{order.OrderId}",
        };
    }

    /// <summary>
    /// Checks what the emulator shows: one profile per customer with their identifiers and location, every expected
    /// event exactly once, and no event twice. Returns the problems (empty when all is right).
    /// </summary>
    public static List<string> Problems(KlaviyoEmulator klaviyo, IReadOnlyCollection<Customer> customers)
    {
        var problems = new List<string>();
        var events = klaviyo.State.Events;
        var twice = events.GroupBy(e => (e.MetricName, e.UniqueId)).Where(g => g.Count() > 1).Select(g => $"{g.Key.MetricName}/{g.Key.UniqueId} ×{g.Count()}").ToList();
        if (twice.Count > 0) problems.Add($"{twice.Count} events visible more than once: {string.Join(", ", twice.Take(5))}");
        var seen = events.Select(e => (e.MetricName, e.UniqueId ?? "")).ToHashSet();
        var missing = ExpectedEvents(customers).Where(e => !seen.Contains(e)).ToList();
        if (missing.Count > 0) problems.Add($"{missing.Count} events missing: {string.Join(", ", missing.Take(5))}");
        problems.AddRange(ProfileProblems(klaviyo, customers));
        return problems;
    }

    /// <summary>Checks that each customer has one profile with their identifiers, first name and country.</summary>
    public static List<string> ProfileProblems(KlaviyoEmulator klaviyo, IEnumerable<Customer> customers)
    {
        var problems = new List<string>();
        var missingProfiles = 0;
        foreach (var customer in customers)
        {
            if (klaviyo.State.FindProfile(customer.Email) is not { } profile)
            {
                missingProfiles++;
                continue;
            }
            var country = (string?)profile.Location["country"];
            var firstName = (string?)profile.Attributes["first_name"];
            if (profile.ExternalId != customer.UserId || profile.PhoneNumber != customer.E164 || country != customer.Country || firstName != customer.FirstName)
                problems.Add($"{customer.Email}: profile {profile.ExternalId}/{profile.PhoneNumber}/{country}/{firstName}, expected {customer.UserId}/{customer.E164}/{customer.Country}/{customer.FirstName}");
        }
        if (missingProfiles > 0) problems.Add($"{missingProfiles} profiles missing");
        return problems;
    }

    /// <summary>Events Klaviyo was sent (single requests accepted plus rows of bulk jobs), duplicates included.</summary>
    public static int EventsSent(KlaviyoEmulator klaviyo) =>
        klaviyo.Counters.Get("POST /api/events", 202) + klaviyo.State.Jobs.Where(j => j.Type == "event-bulk-create-job").Sum(j => j.TotalCount);
}

/// <summary>
/// A client of the replicas as a load balancer would spread it: each request goes to the next live replica; a request
/// that fails (the replica died, or it refused with 503) is sent again, same message id, to another.
/// </summary>
internal sealed class ShopClient(IReadOnlyList<ReplicaApp> replicas)
{
    private readonly ConcurrentDictionary<string, bool> _dead = new(StringComparer.Ordinal);
    private int _next;

    public int Retried;

    public void MarkDead(ReplicaApp replica) => _dead[replica.Name] = true;

    /// <summary>Identifies the customer, then sends their order (each to the next replica), both acknowledged as stored.</summary>
    public async Task ShopAsync(Shop.Customer customer, CancellationToken cancel)
    {
        await PostStoredAsync("identify", Shop.IdentifyBody(customer), cancel);
        await PostStoredAsync("orders", Shop.OrderBody(customer), cancel);
    }

    /// <summary>Posts until a replica answers 202 with <c>stored: true</c>.</summary>
    public async Task PostStoredAsync(string path, object body, CancellationToken cancel)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancel.ThrowIfCancellationRequested();
            var live = replicas.Where(r => !_dead.ContainsKey(r.Name)).ToList();
            if (live.Count == 0) throw new InvalidOperationException("No live replica.");
            var replica = live[(Interlocked.Increment(ref _next) & int.MaxValue) % live.Count];
            if (attempt > 0) Interlocked.Increment(ref Retried);
            try
            {
                using var response = await replica.Http.PostAsJsonAsync(path, body, cancel);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
                    if (answer.RootElement.GetProperty("stored").GetBoolean()) return;
                }
                else if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    throw new InvalidOperationException($"{replica.Name} answered {(int)response.StatusCode} to {path}: {await response.Content.ReadAsStringAsync(cancel)}");
                }
            }
            catch (HttpRequestException) when (replica.HasExited || _dead.ContainsKey(replica.Name))
            {
                // The replica died under the request: whether it stored the message or not, send it again elsewhere.
            }
            if (attempt > 50) throw new InvalidOperationException($"{path} was not stored after {attempt} attempts.");
        }
    }

    public static string Format(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
