using System.Globalization;
using PhoneNumbers;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>A plain track event of the realistic workload ("Signed Up", 5 properties).</summary>
[KlaviyoEvent("Signed Up")]
public sealed record BenchSignedUp(
    [CustomProperty("plan")] string Plan,
    [CustomProperty("source")] string Source,
    [CustomProperty("seats")] int Seats,
    [CustomProperty("trial")] bool Trial,
    [CustomProperty("referrer")] string Referrer);

/// <summary>One person of the realistic workload, in every shape a caller may send.</summary>
public sealed class WorkloadPerson
{
    public required string UserId { get; init; }
    public required BenchCustomer Customer { get; init; }
    public required Dictionary<string, object?> Traits { get; init; }
    public required BenchOrder Order { get; init; }
    public required Dictionary<string, object?> OrderProperties { get; init; }
    public required BenchSignedUp SignedUp { get; init; }
    public required Dictionary<string, object?> SignedUpProperties { get; init; }

    /// <summary>The region the phone number is read in (for the hand-written baseline).</summary>
    public required string PhoneRegion { get; init; }
}

/// <summary>
/// Real traffic, seeded: every person is different (email, name, address, 3 custom properties), every phone number is
/// different and written as people write them — national (<c>(415) 555-2671</c>, <c>07700 900123</c>) or E.164 with or
/// without spaces — with the country as a 2-letter code or a full name; some names are not ASCII and some emails carry
/// a <c>+tag</c>. Each person also has an Order Completed with 5 products and a "Signed Up" track, typed and as
/// dictionaries with Segment's keys. The same seed always gives the same people (the output corpus test relies on it).
/// </summary>
public static class Workload
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    private static readonly (string Region, string Name, string City, string State, string Zip, string Timezone)[] s_countries =
    [
        ("US", "United States", "San Francisco", "CA", "94107", "America/Los_Angeles"),
        ("GB", "United Kingdom", "Manchester", "England", "M1 1AE", "Europe/London"),
        ("DE", "Germany", "München", "Bayern", "80331", "Europe/Berlin"),
        ("FR", "France", "Lyon", "Auvergne-Rhône-Alpes", "69002", "Europe/Paris"),
        ("AU", "Australia", "Sydney", "NSW", "2000", "Australia/Sydney"),
        ("CA", "Canada", "Montréal", "QC", "H2Y 1C6", "America/Toronto"),
        ("NL", "Netherlands", "Utrecht", "Utrecht", "3511", "Europe/Amsterdam"),
        ("ES", "Spain", "Sevilla", "Andalucía", "41001", "Europe/Madrid"),
        ("JP", "Japan", "東京", "東京都", "100-0001", "Asia/Tokyo"),
        ("BR", "Brazil", "São Paulo", "SP", "01000-000", "America/Sao_Paulo"),
    ];

    private static readonly string[] s_firstNames =
        ["Ada", "Grace", "Alan", "Linus", "Margaret", "Zoë", "José", "Søren", "Chloé", "Łukasz", "Mei", "Aiko", "Noah", "Olivia", "Liam", "Emma"];

    private static readonly string[] s_lastNames =
        ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Müller", "García", "Ødegaard", "Dubois", "Nowak", "王", "佐藤", "Smith", "O'Brien", "Nguyễn", "Brown"];

    private static readonly string[] s_plans = ["free", "pro", "team", "enterprise"];
    private static readonly string[] s_sources = ["ads", "newsletter", "organic", "referral", "partner"];

    /// <summary>
    /// <paramref name="count"/> distinct people from <paramref name="seed"/>. More people than the phone cache holds
    /// (10,000) make every phone number a cache miss when they are cycled through.
    /// </summary>
    public static WorkloadPerson[] People(int count, int seed = 14)
    {
        var random = new Random(seed);
        var people = new WorkloadPerson[count];
        var usedPhones = new HashSet<string>();
        for (var i = 0; i < count; i++) people[i] = Person(i, random, usedPhones);
        return people;
    }

    private static WorkloadPerson Person(int i, Random random, HashSet<string> usedPhones)
    {
        var country = s_countries[random.Next(s_countries.Length)];
        var first = s_firstNames[random.Next(s_firstNames.Length)];
        var last = s_lastNames[random.Next(s_lastNames.Length)];
        var local = $"{Ascii(first)}.{Ascii(last)}{i}";
        var email = (random.Next(10) == 0 ? $"{local}+shop" : local) + "@example" + (i % 7) + ".com";
        var phone = Phone(country.Region, random, usedPhones);
        // People write their country as a code (any case) or as its name.
        var countryTrait = random.Next(3) switch
        {
            0 => country.Region,
            1 => country.Region.ToLowerInvariant(),
            _ => country.Name,
        };
        var userId = "user-" + i.ToString("D6", CultureInfo.InvariantCulture);
        var street = $"{random.Next(1, 400)} {last} Street";
        var loyalty = random.Next(0, 50_000);
        var vip = random.Next(4) == 0;
        var signedUp = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(0, 200_000_000));
        var customer = new BenchCustomer(email, userId, first, last, phone, "Buyer", "Org " + (i % 97), country.Timezone,
            new BenchAddress(street, country.City, country.State, country.Zip, countryTrait), loyalty, vip, signedUp);
        var traits = new Dictionary<string, object?>
        {
            ["email"] = email, ["external_id"] = userId, ["firstName"] = first, ["lastName"] = last, ["phone"] = phone,
            ["title"] = "Buyer", ["organization"] = customer.Organization, ["timezone"] = country.Timezone,
            ["address"] = new Dictionary<string, object?>
            {
                ["street"] = street, ["city"] = country.City, ["state"] = country.State, ["postalCode"] = country.Zip, ["country"] = countryTrait,
            },
            ["loyalty_points"] = loyalty, ["vip"] = vip, ["signed_up_at"] = signedUp,
        };

        var orderId = "order-" + i.ToString("D6", CultureInfo.InvariantCulture) + "-" + random.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);
        var products = new BenchProduct[5];
        var productDictionaries = new List<Dictionary<string, object?>>(5);
        var revenue = 0m;
        for (var p = 0; p < products.Length; p++)
        {
            var id = "p-" + random.Next(1, 5000).ToString(CultureInfo.InvariantCulture);
            var price = random.Next(199, 29_999) / 100m;
            var quantity = random.Next(1, 4);
            revenue += price * quantity;
            products[p] = new BenchProduct(id, "SKU-" + id[2..], p % 3 == 0 ? $"Café lamp {id}" : $"Lamp {id}", price, quantity, $"https://shop.example/products/{id}?ref=mail&utm=1");
            productDictionaries.Add(new Dictionary<string, object?>
            {
                ["productId"] = id, ["sku"] = products[p].Sku, ["name"] = products[p].Name, ["price"] = price, ["quantity"] = quantity, ["productUrl"] = products[p].ProductUrl,
            });
        }
        var order = new BenchOrder(orderId, revenue, "USD", products);
        var orderProperties = new Dictionary<string, object?>
        {
            ["orderId"] = orderId, ["revenue"] = revenue, ["currency"] = "USD", ["products"] = productDictionaries,
        };

        var signedUpEvent = new BenchSignedUp(s_plans[random.Next(s_plans.Length)], s_sources[random.Next(s_sources.Length)], random.Next(1, 50), random.Next(2) == 0,
            "https://ref.example/" + random.Next(1, 100_000).ToString(CultureInfo.InvariantCulture));
        var signedUpProperties = new Dictionary<string, object?>
        {
            ["plan"] = signedUpEvent.Plan, ["source"] = signedUpEvent.Source, ["seats"] = signedUpEvent.Seats, ["trial"] = signedUpEvent.Trial, ["referrer"] = signedUpEvent.Referrer,
        };

        return new WorkloadPerson
        {
            UserId = userId, Customer = customer, Traits = traits, Order = order, OrderProperties = orderProperties,
            SignedUp = signedUpEvent, SignedUpProperties = signedUpProperties, PhoneRegion = country.Region,
        };
    }

    /// <summary>A distinct, valid mobile number of <paramref name="region"/>, written national or international.</summary>
    private static string Phone(string region, Random random, HashSet<string> used)
    {
        var example = s_phones.GetExampleNumberForType(region, PhoneNumberType.MOBILE);
        var national = example.NationalNumber.ToString(CultureInfo.InvariantCulture);
        for (var attempt = 0; ; attempt++)
        {
            // Keep the example's leading digits (they carry the mobile prefix) and randomise the last six.
            var digits = national[..^6] + random.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            var number = s_phones.Parse("+" + example.CountryCode.ToString(CultureInfo.InvariantCulture) + digits, region);
            if (!s_phones.IsValidNumber(number) || !used.Add(s_phones.Format(number, PhoneNumberFormat.E164)))
            {
                if (attempt > 1000) throw new InvalidOperationException($"No valid phone number found for {region}.");
                continue;
            }
            return random.Next(4) switch
            {
                0 => s_phones.Format(number, PhoneNumberFormat.E164),
                1 => s_phones.Format(number, PhoneNumberFormat.INTERNATIONAL),
                _ => s_phones.Format(number, PhoneNumberFormat.NATIONAL),
            };
        }
    }

    private static string Ascii(string name)
    {
        var normalized = name.Normalize(System.Text.NormalizationForm.FormD);
        var chars = normalized.Where(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z').ToArray();
        return chars.Length == 0 ? "x" : new string(chars).ToLowerInvariant();
    }
}
