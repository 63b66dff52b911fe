using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Klaviyo.Destinations.Mapping;
using PhoneNumbers;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Hand-written code for each realistic workload: what a developer who knows the one schema would write, with no
/// rules beyond what Klaviyo needs. It writes the same JSON as the SDK (a test checks it), with the same encoder:
/// a profile (phone read in the profile's country with libphonenumber: parse, validate, format E.164), an order with
/// one event per product, a plain track. <see cref="Pipeline"/> hands those bytes over a channel to one consumer that
/// writes bulk bodies, as the SDK's pipeline does.
/// </summary>
public sealed class RealisticBaselines
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    /// <summary>Country codes and names of the workload → region (what a hand-written version would keep).</summary>
    private static readonly Dictionary<string, string> s_regions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["US"] = "US", ["United States"] = "US", ["GB"] = "GB", ["United Kingdom"] = "GB", ["DE"] = "DE", ["Germany"] = "DE",
        ["FR"] = "FR", ["France"] = "FR", ["AU"] = "AU", ["Australia"] = "AU", ["CA"] = "CA", ["Canada"] = "CA",
        ["NL"] = "NL", ["Netherlands"] = "NL", ["ES"] = "ES", ["Spain"] = "ES", ["JP"] = "JP", ["Japan"] = "JP", ["BR"] = "BR", ["Brazil"] = "BR",
    };

    private static readonly JsonEncodedText Email = JsonEncodedText.Encode("email");
    private static readonly JsonEncodedText ExternalId = JsonEncodedText.Encode("external_id");
    private static readonly JsonEncodedText FirstName = JsonEncodedText.Encode("first_name");
    private static readonly JsonEncodedText LastName = JsonEncodedText.Encode("last_name");
    private static readonly JsonEncodedText Phone = JsonEncodedText.Encode("phone_number");
    private static readonly JsonEncodedText Title = JsonEncodedText.Encode("title");
    private static readonly JsonEncodedText Organization = JsonEncodedText.Encode("organization");
    private static readonly JsonEncodedText Location = JsonEncodedText.Encode("location");
    private static readonly JsonEncodedText Address1 = JsonEncodedText.Encode("address1");
    private static readonly JsonEncodedText City = JsonEncodedText.Encode("city");
    private static readonly JsonEncodedText Region = JsonEncodedText.Encode("region");
    private static readonly JsonEncodedText Zip = JsonEncodedText.Encode("zip");
    private static readonly JsonEncodedText Country = JsonEncodedText.Encode("country");
    private static readonly JsonEncodedText Timezone = JsonEncodedText.Encode("timezone");
    private static readonly JsonEncodedText Properties = JsonEncodedText.Encode("properties");
    private static readonly JsonEncodedText Loyalty = JsonEncodedText.Encode("loyalty_points");
    private static readonly JsonEncodedText Vip = JsonEncodedText.Encode("vip");
    private static readonly JsonEncodedText SignedUp = JsonEncodedText.Encode("signed_up_at");
    private static readonly JsonEncodedText OrderId = JsonEncodedText.Encode("orderId");
    private static readonly JsonEncodedText Revenue = JsonEncodedText.Encode("revenue");
    private static readonly JsonEncodedText Currency = JsonEncodedText.Encode("currency");
    private static readonly JsonEncodedText Products = JsonEncodedText.Encode("products");
    private static readonly JsonEncodedText ProductId = JsonEncodedText.Encode("productId");
    private static readonly JsonEncodedText Sku = JsonEncodedText.Encode("sku");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Price = JsonEncodedText.Encode("price");
    private static readonly JsonEncodedText Quantity = JsonEncodedText.Encode("quantity");
    private static readonly JsonEncodedText ProductUrl = JsonEncodedText.Encode("productUrl");
    private static readonly JsonEncodedText ProductUrlRenamed = JsonEncodedText.Encode("Product URL");
    private static readonly JsonEncodedText Plan = JsonEncodedText.Encode("plan");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText Seats = JsonEncodedText.Encode("seats");
    private static readonly JsonEncodedText Trial = JsonEncodedText.Encode("trial");
    private static readonly JsonEncodedText Referrer = JsonEncodedText.Encode("referrer");

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;

    public RealisticBaselines() => _json = new Utf8JsonWriter(_buffer, KlaviyoJson.WriterOptions);

    private Utf8JsonWriter Start()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        return _json;
    }

    private byte[] Bytes()
    {
        _json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>One mapped item: profile attributes, and for events the properties and event fields.</summary>
    public readonly record struct Mapped(byte[] Profile, byte[]? Properties, string? Metric, string? UniqueId, double? Value);

    /// <summary>The profile attributes of an identify.</summary>
    public byte[] Identify(BenchCustomer c)
    {
        string? e164 = null;
        if (s_regions.TryGetValue(c.Address.Country, out var region))
        {
            var number = s_phones.Parse(c.Phone, region);
            if (s_phones.IsValidNumber(number)) e164 = s_phones.Format(number, PhoneNumberFormat.E164);
        }
        var json = Start();
        json.WriteStartObject();
        json.WritePropertyName(Properties);
        json.WriteStartObject();
        json.WriteNumber(Loyalty, c.LoyaltyPoints);
        json.WriteBoolean(Vip, c.Vip);
        json.WriteString(SignedUp, c.SignedUpAt);
        json.WriteEndObject();
        json.WriteString(Email, c.Email);
        if (e164 is not null) json.WriteString(Phone, e164);
        json.WriteString(ExternalId, c.ExternalId);
        json.WriteString(FirstName, c.FirstName);
        json.WriteString(LastName, c.LastName);
        json.WriteString(Organization, c.Organization);
        json.WriteString(Title, c.Title);
        json.WritePropertyName(Location);
        json.WriteStartObject();
        json.WriteString(Address1, c.Address.Street);
        json.WriteString(City, c.Address.City);
        json.WriteString(Region, c.Address.State);
        json.WriteString(Country, c.Address.Country);
        json.WriteString(Zip, c.Address.PostalCode);
        json.WriteString(Timezone, c.Timezone);
        json.WriteEndObject();
        json.WriteEndObject();
        return Bytes();
    }

    /// <summary>The event profile (<c>external_id</c> from the user id).</summary>
    public byte[] EventProfile(string userId)
    {
        var json = Start();
        json.WriteStartObject();
        json.WriteString(ExternalId, userId);
        json.WriteEndObject();
        return Bytes();
    }

    /// <summary>"Placed Order" properties followed by one "Ordered Product" per product.</summary>
    public void Order(string userId, BenchOrder order, List<Mapped> into)
    {
        var profile = EventProfile(userId);
        var json = Start();
        json.WriteStartObject();
        json.WriteString(OrderId, order.OrderId);
        json.WriteNumber(Revenue, order.Revenue);
        json.WriteString(Currency, order.Currency);
        json.WritePropertyName(Products);
        json.WriteStartArray();
        foreach (var p in order.Products)
        {
            json.WriteStartObject();
            json.WriteString(ProductId, p.ProductId);
            json.WriteString(Sku, p.Sku);
            json.WriteString(Name, p.Name);
            json.WriteNumber(Price, p.Price);
            json.WriteNumber(Quantity, p.Quantity);
            json.WriteString(ProductUrl, p.ProductUrl);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        into.Add(new Mapped(profile, Bytes(), "Placed Order", order.OrderId, (double)order.Revenue));
        foreach (var p in order.Products)
        {
            json = Start();
            json.WriteStartObject();
            json.WriteString(ProductId, p.ProductId);
            json.WriteString(Sku, p.Sku);
            json.WriteString(Name, p.Name);
            json.WriteNumber(Price, p.Price);
            json.WriteNumber(Quantity, p.Quantity);
            json.WriteString(ProductUrlRenamed, p.ProductUrl);
            json.WriteString(OrderId, order.OrderId);
            json.WriteEndObject();
            into.Add(new Mapped(profile, Bytes(), "Ordered Product", order.OrderId + "_" + p.ProductId, (double)p.Price * p.Quantity));
        }
    }

    /// <summary>A "Signed Up" track's properties.</summary>
    public Mapped Track(string userId, BenchSignedUp e)
    {
        var profile = EventProfile(userId);
        var json = Start();
        json.WriteStartObject();
        json.WriteString(Plan, e.Plan);
        json.WriteString(Source, e.Source);
        json.WriteNumber(Seats, e.Seats);
        json.WriteBoolean(Trial, e.Trial);
        json.WriteString(Referrer, e.Referrer);
        json.WriteEndObject();
        return new Mapped(profile, Bytes(), "Signed Up", null, null);
    }

    /// <summary>
    /// The hand-written pipeline: the caller maps and writes to a channel; one consumer writes bulk bodies of up to
    /// 1,000 items (profile-bulk-import or event-bulk-create, as the SDK does) and hands them to a transport that
    /// answers at once (here: the body's length is added up). Returns the bytes "sent".
    /// </summary>
    public static async Task<long> Pipeline(string workload, WorkloadPerson[] people, int count, int offset)
    {
        var channel = Channel.CreateUnbounded<Mapped>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = Task.Run(() => Consume(channel.Reader, isProfile: workload == "identify"));
        var mapper = new RealisticBaselines();
        var items = new List<Mapped>(6);
        for (var i = 0; i < count; i++)
        {
            var person = people[(offset + i) % people.Length];
            switch (workload)
            {
                case "identify":
                    channel.Writer.TryWrite(new Mapped(mapper.Identify(person.Customer), null, null, null, null));
                    break;
                case "order":
                    items.Clear();
                    mapper.Order(person.UserId, person.Order, items);
                    foreach (var item in items) channel.Writer.TryWrite(item);
                    break;
                default:
                    channel.Writer.TryWrite(mapper.Track(person.UserId, person.SignedUp));
                    break;
            }
        }
        channel.Writer.Complete();
        return await consumer;
    }

    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Attributes = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText Profile = JsonEncodedText.Encode("profile");
    private static readonly JsonEncodedText Profiles = JsonEncodedText.Encode("profiles");
    private static readonly JsonEncodedText Events = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText Event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText Metric = JsonEncodedText.Encode("metric");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText UniqueId = JsonEncodedText.Encode("unique_id");
    private static readonly JsonEncodedText EventsBulk = JsonEncodedText.Encode("events-bulk-create");

    private static async Task<long> Consume(ChannelReader<Mapped> reader, bool isProfile)
    {
        var batch = new List<Mapped>(1000);
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var time = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", CultureInfo.InvariantCulture);
        long sent = 0;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var item))
            {
                batch.Add(item);
                if (batch.Count == 1000) sent += Write(batch, buffer, isProfile, time);
            }
        }
        if (batch.Count > 0) sent += Write(batch, buffer, isProfile, time);
        return sent;
    }

    private static long Write(List<Mapped> batch, ArrayBufferWriter<byte> buffer, bool isProfile, string time)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = KlaviyoJson.Encoder }))
        {
            json.WriteStartObject();
            json.WritePropertyName(Data);
            json.WriteStartObject();
            json.WriteString(Type, isProfile ? "profile-bulk-import-job" : "event-bulk-create-job");
            json.WritePropertyName(Attributes);
            json.WriteStartObject();
            json.WritePropertyName(isProfile ? Profiles : EventsBulk);
            json.WriteStartObject();
            json.WritePropertyName(Data);
            json.WriteStartArray();
            foreach (var item in batch)
            {
                json.WriteStartObject();
                if (isProfile)
                {
                    json.WriteString(Type, Profile);
                    json.WritePropertyName(Attributes);
                    json.WriteRawValue(item.Profile, skipInputValidation: true);
                }
                else
                {
                    json.WriteString(Type, "event-bulk-create");
                    json.WritePropertyName(Attributes);
                    json.WriteStartObject();
                    json.WritePropertyName(Profile);
                    json.WriteStartObject();
                    json.WritePropertyName(Data);
                    json.WriteStartObject();
                    json.WriteString(Type, Profile);
                    json.WritePropertyName(Attributes);
                    json.WriteRawValue(item.Profile, skipInputValidation: true);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WritePropertyName(Events);
                    json.WriteStartObject();
                    json.WritePropertyName(Data);
                    json.WriteStartArray();
                    json.WriteStartObject();
                    json.WriteString(Type, Event);
                    json.WritePropertyName(Attributes);
                    json.WriteStartObject();
                    json.WritePropertyName(Properties);
                    json.WriteRawValue(item.Properties!, skipInputValidation: true);
                    json.WriteString(Time, time);
                    if (item.Value is { } value) json.WriteNumber(Value, value);
                    if (item.UniqueId is { } id) json.WriteString(UniqueId, id);
                    json.WritePropertyName(Metric);
                    json.WriteStartObject();
                    json.WritePropertyName(Data);
                    json.WriteStartObject();
                    json.WriteString(Type, Metric);
                    json.WritePropertyName(Attributes);
                    json.WriteStartObject();
                    json.WriteString(Name, item.Metric);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        batch.Clear();
        return buffer.WrittenCount;
    }
}
