using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// The alternatives the generated mapper is measured against. Each writes the same profile attributes JSON
/// (checked by a test), so the comparison is fair.
/// </summary>
public static class Baselines
{
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

    /// <summary>Hand-written Utf8JsonWriter code: the practical limit.</summary>
    public static void HandWritten(Utf8JsonWriter json, BenchCustomer c)
    {
        json.WriteStartObject();
        json.WritePropertyName(Properties);
        json.WriteStartObject();
        json.WriteNumber(Loyalty, c.LoyaltyPoints);
        json.WriteBoolean(Vip, c.Vip);
        json.WriteString(SignedUp, c.SignedUpAt);
        json.WriteEndObject();
        json.WriteString(Email, c.Email);
        json.WriteString(Phone, c.Phone);
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
    }

    private static readonly (PropertyInfo Property, string Target)[] s_customer = Describe(typeof(BenchCustomer), new()
    {
        ["Email"] = "email", ["ExternalId"] = "external_id", ["FirstName"] = "first_name", ["LastName"] = "last_name", ["Phone"] = "phone_number",
        ["Title"] = "title", ["Organization"] = "organization", ["Timezone"] = "location.timezone", ["Address"] = "address",
        ["LoyaltyPoints"] = "properties.loyalty_points", ["Vip"] = "properties.vip", ["SignedUpAt"] = "properties.signed_up_at",
    });

    private static readonly (PropertyInfo Property, string Target)[] s_address = Describe(typeof(BenchAddress), new()
    {
        ["Street"] = "location.address1", ["City"] = "location.city", ["State"] = "location.region", ["PostalCode"] = "location.zip", ["Country"] = "location.country",
    });

    private static (PropertyInfo, string)[] Describe(Type type, Dictionary<string, string> targets) =>
        type.GetProperties().Where(p => targets.ContainsKey(p.Name)).Select(p => (p, targets[p.Name])).ToArray();

    /// <summary>A reflection-based mapper (PropertyInfo.GetValue + a name table), as runtime-mapping libraries do.</summary>
    public static void Reflection(Utf8JsonWriter json, object customer)
    {
        var top = new List<(string, object?)>();
        var location = new List<(string, object?)>();
        var properties = new List<(string, object?)>();
        void Add(string target, object? value)
        {
            if (target.StartsWith("location.", StringComparison.Ordinal)) location.Add((target[9..], value));
            else if (target.StartsWith("properties.", StringComparison.Ordinal)) properties.Add((target[11..], value));
            else top.Add((target, value));
        }
        foreach (var (property, target) in s_customer)
        {
            var value = property.GetValue(customer);
            if (target == "address" && value is not null)
                foreach (var (inner, innerTarget) in s_address) Add(innerTarget, inner.GetValue(value));
            else Add(target, value);
        }
        json.WriteStartObject();
        json.WritePropertyName("properties");
        json.WriteStartObject();
        foreach (var (name, value) in properties) { json.WritePropertyName(name); JsonSerializer.Serialize(json, value, value?.GetType() ?? typeof(object)); }
        json.WriteEndObject();
        foreach (var (name, value) in top) { json.WritePropertyName(name); JsonSerializer.Serialize(json, value, value?.GetType() ?? typeof(object)); }
        json.WritePropertyName("location");
        json.WriteStartObject();
        foreach (var (name, value) in location) { json.WritePropertyName(name); JsonSerializer.Serialize(json, value, value?.GetType() ?? typeof(object)); }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Building a JsonObject tree and serialising it (the Segment SDK style).</summary>
    public static void JsonObjectTree(Utf8JsonWriter json, BenchCustomer c)
    {
        var root = new JsonObject
        {
            ["properties"] = new JsonObject { ["loyalty_points"] = c.LoyaltyPoints, ["vip"] = c.Vip, ["signed_up_at"] = c.SignedUpAt },
            ["email"] = c.Email, ["phone_number"] = c.Phone, ["external_id"] = c.ExternalId, ["first_name"] = c.FirstName,
            ["last_name"] = c.LastName, ["organization"] = c.Organization, ["title"] = c.Title,
            ["location"] = new JsonObject
            {
                ["address1"] = c.Address.Street, ["city"] = c.Address.City, ["region"] = c.Address.State, ["country"] = c.Address.Country,
                ["zip"] = c.Address.PostalCode, ["timezone"] = c.Timezone,
            },
        };
        root.WriteTo(json);
    }
}

/// <summary>A reusable output buffer and writer, like the runtime's per-thread mapping context.</summary>
public sealed class PooledOutput
{
    public readonly ArrayBufferWriter<byte> Buffer = new(4096);
    public readonly Utf8JsonWriter Json;

    public PooledOutput() => Json = new Utf8JsonWriter(Buffer);

    public Utf8JsonWriter Reset()
    {
        Buffer.ResetWrittenCount();
        Json.Reset(Buffer);
        return Json;
    }

    public ReadOnlySpan<byte> Written()
    {
        Json.Flush();
        return Buffer.WrittenSpan;
    }
}
