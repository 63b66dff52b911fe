using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Tests.Support;
using static Klaviyo.Destinations.Tests.Rules.ShapeMatrix;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// Every rule about what is sent, over every payload shape (<see cref="ShapeMatrix"/>): each case asserts that the
/// dictionary, <c>JsonElement</c>, parsed and built <c>JsonObject</c> and (where one can express it) typed model send
/// identical requests, then what those requests hold. Table cases come from the rows of
/// <see cref="KlaviyoMappingTables"/>, so a new row is tested without a new test.
/// </summary>
public sealed class ShapeMatrixTests
{
    private static MessagePayload Typed<T>(T model) => MessagePayload.From(model);

    private static string Path(ProfileField field) => (ProfileFieldInfo.IsLocation(field) ? "location." : "") + ProfileFieldInfo.JsonName(field);

    private static object SampleValue(ProfileField field) => field switch
    {
        ProfileField.Email => "row@example.com",
        ProfileField.PhoneNumber => "+14155550123",
        ProfileField.Latitude or ProfileField.Longitude => 12.34567,
        ProfileField.Ip => "203.0.113.9",
        _ => "value-" + field,
    };

    private static string Expected(object value) => value is double ? "12.3457" : (string)value;

    // ---- Table rows --------------------------------------------------------------------------------------------

    [Fact]
    public void Dollar_rows_are_spelled_in_lower_case_so_that_any_casing_finds_them()
    {
        var keys = KlaviyoMappingTables.ProfileTraits.Select(r => r.Key).Concat(KlaviyoMappingTables.EventFields.Select(r => r.Key)).Where(KlaviyoKeys.IsDollarKey).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.Equal(key.ToLowerInvariant(), key));
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    public static TheoryData<string, ProfileField> ProfileTraitRows()
    {
        var rows = new TheoryData<string, ProfileField>();
        foreach (var row in KlaviyoMappingTables.ProfileTraits)
        {
            if (row.Key == KlaviyoMappingTables.CompanyKey) continue;
            rows.Add(row.Key, row.Field);
            // mParticle SDKs send reserved attributes in other casings ($FirstName, $State): $ keys match in any case.
            if (KlaviyoKeys.IsDollarKey(row.Key)) rows.Add(row.Key.ToUpperInvariant(), row.Field);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(ProfileTraitRows))]
    public void Every_profile_trait_row_fills_its_field_on_every_shape(string key, ProfileField field)
    {
        var value = SampleValue(field);
        var data = field == ProfileField.Email ? Data((key, value)) : Data(("email", "base@example.com"), (key, value));
        // The call's userId wins over an external id in the traits (docs/models.md); without one the trait fills it.
        var sent = MapAll(MessageType.Identify, field == ProfileField.ExternalId ? null : "user-1", null, data);
        var profile = sent.Profile();
        Assert.Equal(Expected(value), Json.Str(profile, Path(field)));
        Assert.False(Json.Has(profile, "properties"), $"'{key}' must not also become a custom property: {profile.ToJsonString()}");
    }

    public static TheoryData<string, ProfileField> AddressTraitRows()
    {
        var rows = new TheoryData<string, ProfileField>();
        foreach (var row in KlaviyoMappingTables.AddressTraits) rows.Add(row.Key, row.Field);
        return rows;
    }

    [Theory]
    [MemberData(nameof(AddressTraitRows))]
    public void Every_address_member_row_fills_its_location_field_on_every_shape(string key, ProfileField field)
    {
        var value = SampleValue(field);
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(("email", "a@example.com"), (KlaviyoMappingTables.AddressKey, Data((key, value)))));
        Assert.Equal(Expected(value), Json.Str(sent.Profile(), Path(field)));
    }

    public static TheoryData<string, ProfileField> ContextRows()
    {
        var rows = new TheoryData<string, ProfileField>();
        foreach (var row in KlaviyoMappingTables.ContextTraits) rows.Add(row.Key, row.Field);
        return rows;
    }

    [Theory]
    [MemberData(nameof(ContextRows))]
    public void Segment_context_fills_identify_and_event_profiles_unless_the_traits_set_the_field(string key, ProfileField field)
    {
        var value = (string)SampleValue(field);
        var options = new MessageOptions { MessageId = "m", Context = new Dictionary<string, object?> { [key] = value } };
        var identify = MapAll(MessageType.Identify, "user-1", null, Data(("email", "c@example.com")), Typed(new MatrixPerson("c@example.com")), options);
        Assert.Equal(value, Json.Str(identify.Profile(), Path(field)));

        var track = MapAll(MessageType.Track, "user-1", "Signed Up", Data(("email", "c@example.com"), ("plan", "pro")), Typed(new MatrixSignedUp("c@example.com", "pro")), options);
        Assert.Equal(value, Json.Str(Rendering.EventProfile(track.Event()), Path(field)));

        // The traits win over the context.
        var traitKey = KlaviyoMappingTables.ProfileTraits.First(r => r.Field == field && !KlaviyoKeys.IsDollarKey(r.Key)).Key;
        var own = MapAll(MessageType.Identify, "user-1", null, Data(("email", "c@example.com"), (traitKey, "from-traits")), options: options);
        Assert.Equal("from-traits", Json.Str(own.Profile(), Path(field)));
    }

    [Fact]
    public void Context_given_as_JSON_maps_like_context_given_as_CLR_values()
    {
        var json = JsonDocument.Parse("""{"ip":"203.0.113.1","timezone":"Europe/Oslo","locale":"nb-NO","library":{"name":"x"}}""").RootElement;
        var fromJson = Map(MessageType.Identify, "u", null, MessagePayload.From(Data(("email", "j@example.com"))),
            new MessageOptions { MessageId = "m", Context = json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value) });
        var fromClr = Map(MessageType.Identify, "u", null, MessagePayload.From(Data(("email", "j@example.com"))),
            new MessageOptions { MessageId = "m", Context = new Dictionary<string, object?> { ["ip"] = "203.0.113.1", ["timezone"] = "Europe/Oslo", ["locale"] = "nb-NO" } });
        Assert.True(JsonNode.DeepEquals(fromJson.Profile(), fromClr.Profile()), fromJson.ToString());
        Assert.Equal("nb-NO", Json.Str(fromJson.Profile(), "locale"));
        Assert.Equal("203.0.113.1", Json.Str(fromJson.Profile(), "location.ip"));
    }

    public static TheoryData<string, EventField, bool> EventFieldRows()
    {
        var rows = new TheoryData<string, EventField, bool>();
        foreach (var row in KlaviyoMappingTables.EventFields)
        {
            rows.Add(row.Key, row.Field, row.KeepAsProperty);
            if (KlaviyoKeys.IsDollarKey(row.Key)) rows.Add(row.Key.ToUpperInvariant(), row.Field, row.KeepAsProperty);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(EventFieldRows))]
    public void Every_event_field_row_fills_its_event_attribute_on_every_shape(string key, EventField field, bool keep)
    {
        object value = field switch { EventField.Value => 12.5, EventField.ValueCurrency => "eur", EventField.Time => "2025-11-02T03:04:05Z", _ => "id-7" };
        // value_currency travels with a value only, so the currency rows get one.
        var data = field == EventField.ValueCurrency ? Data(("$value", 3), (key, value)) : Data((key, value));
        var evt = MapAll(MessageType.Track, "user-1", "Custom Thing", data).Event();
        var expected = field switch { EventField.Value => "12.5", EventField.ValueCurrency => "EUR", EventField.Time => "2025-11-02T03:04:05.000+00:00", _ => "id-7" };
        Assert.Equal(expected, Json.Str(evt, ProfileFieldInfo.JsonName(field)));
        Assert.Equal(keep, Json.Has(evt, "properties." + key));
    }

    public static TheoryData<string, string, string> EcommerceValueRows()
    {
        var rows = new TheoryData<string, string, string>();
        foreach (var row in KlaviyoMappingTables.EcommerceEvents)
        {
            foreach (var key in row.ValueKeys) rows.Add(row.SpecName, row.KlaviyoMetric, key);
            rows.Add(row.KlaviyoMetric, row.KlaviyoMetric, row.ValueKeys[0]);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(EcommerceValueRows))]
    public void Every_ecommerce_event_gets_its_metric_and_value_with_its_currency(string eventName, string metric, string valueKey)
    {
        var evt = MapAll(MessageType.Track, "user-1", eventName, Data((valueKey, 42.5), ("currency", "usd"), ("order_id", "o-1"))).Events()[0];
        Assert.Equal(metric, CapturingSender.Metric(evt));
        Assert.Equal("42.5", Json.Str(evt, "value"));
        Assert.Equal("USD", Json.Str(evt, "value_currency"));
        Assert.Equal("42.5", Json.Str(evt, "properties." + valueKey));
    }

    public static TheoryData<string> EcommerceNames()
    {
        var rows = new TheoryData<string>();
        foreach (var row in KlaviyoMappingTables.EcommerceEvents) rows.Add(row.SpecName);
        return rows;
    }

    [Theory]
    [MemberData(nameof(EcommerceNames))]
    public void Revenue_takes_precedence_and_a_currency_without_a_value_stays_a_property_only(string eventName)
    {
        var valueKeys = KlaviyoMappingTables.EcommerceEvents.Single(r => r.SpecName == eventName).ValueKeys;
        var withRevenue = MapAll(MessageType.Track, "u", eventName, Data((valueKeys[0], 50), ("revenue", 40), ("currency", "usd"))).Events()[0];
        Assert.Equal("40", Json.Str(withRevenue, "value"));

        var noValue = MapAll(MessageType.Track, "u", eventName, Data(("currency", "usd"), ("coupon", "x"))).Events()[0];
        Assert.False(Json.Has(noValue, "value"));
        Assert.False(Json.Has(noValue, "value_currency"), "value_currency must not be sent without value: " + noValue.ToJsonString());
        Assert.Equal("usd", Json.Str(noValue, "properties.currency"));
    }

    // ---- Item 1: properties.email and the type tests of the JSON path ------------------------------------------

    [Fact]
    public void An_email_among_track_properties_identifies_the_event_profile_on_every_shape()
    {
        var sent = MapAll(MessageType.Track, "user-1", "Signed Up", Data(("email", "ada@example.com"), ("plan", "pro")), Typed(new MatrixSignedUp("ada@example.com", "pro")));
        var profile = Rendering.EventProfile(sent.Event());
        Assert.Equal("ada@example.com", Json.Str(profile, "email"));
        Assert.Equal("user-1", Json.Str(profile, "external_id"));
        Assert.Equal("ada@example.com", Json.Str(sent.Event(), "properties.email"));
    }

    [Fact]
    public void Enforce_email_as_primary_identifier_accepts_an_email_in_the_event_properties_on_every_shape()
    {
        var sent = MapAll(MessageType.Track, "user-1", "Signed Up", Data(("email", "ada@example.com"), ("plan", "pro")), Typed(new MatrixSignedUp("ada@example.com", "pro")),
            configure: o => o.EnforceEmailAsPrimaryIdentifier = true);
        Assert.Empty(sent.Rejections);
        var profile = Rendering.EventProfile(sent.Event());
        Assert.Equal("ada@example.com", Json.Str(profile, "email"));
        Assert.Equal("user-1", Json.Str(profile, "properties.id"));
        Assert.False(Json.Has(profile, "external_id"));
    }

    [Fact]
    public void Numbers_booleans_objects_and_arrays_read_the_same_on_every_shape()
    {
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(
            ("email", "n@example.com"), ("zip", 2110), ("latitude", "59.91"), ("longitude", 10), ("vip", true), ("score", 3.5),
            ("company", Data(("name", "Initech"), ("size", 50))), ("tags", new List<object?> { "a", 1, false }),
            ("properties", Data(("store", 9)))));
        var profile = sent.Profile();
        Assert.Equal("2110", Json.Str(profile, "location.zip"));
        Assert.Equal("59.91", Json.Str(profile, "location.latitude"));
        Assert.Equal("10", Json.Str(profile, "location.longitude"));
        Assert.Equal("Initech", Json.Str(profile, "organization"));
        Assert.Equal("true", Json.Str(profile, "properties.vip"));
        Assert.Equal("[\"a\",1,false]", Json.Str(profile, "properties.tags"));
        Assert.Equal("9", Json.Str(profile, "properties.store"));

        var evt = MapAll(MessageType.Track, "user-1", "Paid", Data(("$value", "12.5"), ("revenue", 7), ("$event_id", 981), ("nested", Data(("a", Data(("b", true))))))).Event();
        Assert.Equal("12.5", Json.Str(evt, "value"));
        Assert.Equal("981", Json.Str(evt, "unique_id"));
        Assert.Equal("{\"a\":{\"b\":true}}", Json.Str(evt, "properties.nested"));
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_left_out_with_the_same_reason_on_every_shape()
    {
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(("email", "w@example.com"), ("firstName", Data(("x", 1))), ("latitude", "north")));
        Assert.False(Json.Has(sent.Profile(), "first_name"));
        Assert.Contains(sent.Warnings, w => w.Contains("firstName") && w.Contains("must be text"));
        Assert.Contains(sent.Warnings, w => w.Contains("latitude") && w.Contains("must be a number"));

        var evt = MapAll(MessageType.Track, "user-1", "Paid", Data(("$value", "lots"), ("email", 42)));
        Assert.Contains(evt.Warnings, w => w.Contains("$value"));
        Assert.Null(Json.Str(Rendering.EventProfile(evt.Event()), "email"));
    }

    // ---- Item 2: Klaviyo's legacy $ properties, any case --------------------------------------------------------

    [Fact]
    public void Legacy_dollar_properties_in_mParticle_casing_fill_their_fields_and_unknown_ones_become_properties()
    {
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(
            ("$Email", "legacy@example.com"), ("$FirstName", "Ada"), ("$Last_Name", "Lovelace"), ("$State", "London"),
            ("$Zip", "N1"), ("$Country", "UK"), ("$Image", "https://img/a.png"), ("$Mobile", "+14155550199"), ("$Id", "legacy-7"), ("$Source", "app")),
            configure: o => o.AlternateIdentifier = AlternateIdentifier.None);
        var profile = sent.Profile();
        Assert.Equal("legacy@example.com", Json.Str(profile, "email"));
        Assert.Equal("Ada", Json.Str(profile, "first_name"));
        Assert.Equal("Lovelace", Json.Str(profile, "last_name"));
        Assert.Equal("London", Json.Str(profile, "location.region"));
        Assert.Equal("N1", Json.Str(profile, "location.zip"));
        Assert.Equal("UK", Json.Str(profile, "location.country"));
        Assert.Equal("https://img/a.png", Json.Str(profile, "image"));
        Assert.Equal("+14155550199", Json.Str(profile, "phone_number"));
        Assert.Equal("legacy-7", Json.Str(profile, "external_id"));
        Assert.Equal("app", Json.Str(profile, "properties.Source"));
        Assert.Equal(["Source"], profile["properties"]!.AsObject().Select(p => p.Key));
    }

    // ---- Item 4: event times -------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1989, "before 1990")]
    [InlineData(2028, "more than a year ahead")]
    public void An_event_time_Klaviyo_refuses_is_rejected_up_front_on_every_shape(int year, string words)
    {
        var options = new MessageOptions { MessageId = "m", Timestamp = new DateTimeOffset(year, 6, 1, 0, 0, 0, TimeSpan.Zero) };
        var sent = MapAll(MessageType.Track, "u", "Signed Up", Data(("email", "t@example.com"), ("plan", "pro")), Typed(new MatrixSignedUp("t@example.com", "pro")), options);
        Assert.Empty(sent.Requests);
        var rejection = Assert.Single(sent.Rejections);
        Assert.Contains("[time]", rejection);
        Assert.Contains(words, rejection);

        var inRange = MapAll(MessageType.Track, "u", "Signed Up", Data(("email", "t@example.com"), ("plan", "pro")),
            options: new MessageOptions { MessageId = "m", Timestamp = new DateTimeOffset(1990, 1, 1, 0, 0, 0, TimeSpan.Zero) });
        Assert.Single(inRange.Requests);
    }

    [Fact]
    public void A_typed_event_time_out_of_range_is_rejected_too()
    {
        var sent = Map(MessageType.Track, "u", null, MessagePayload.From(new MatrixReading(new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero), 1.5)));
        Assert.Contains("before 1990", Assert.Single(sent.Rejections));
    }

    [Theory]
    [InlineData("2026-03-04T05:06:07Z", "2026-03-04T05:06:07.000+00:00")]
    [InlineData("2026-03-04t05:06:07.891z", "2026-03-04T05:06:07.891+00:00")]
    [InlineData("2026-03-04T07:06:07+02:00", "2026-03-04T05:06:07.000+00:00")]
    [InlineData("2026-03-04 05:06:07Z", "2026-03-04T05:06:07.000+00:00")]
    [InlineData("2026-03-04", "2026-03-04T00:00:00.000+00:00")]
    [InlineData("03/04/2026", null)]
    [InlineData("4 March 2026", null)]
    [InlineData("1772600767", null)]
    public void Only_ISO_8601_and_RFC_3339_times_are_read(string text, string? expected)
    {
        Assert.Equal(expected is not null, global::Klaviyo.Destinations.Rules.IsoTime.TryParse(text, out var time));
        if (expected is not null) Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
    }

    // ---- Item 5: identifiers trimmed with a warning, drops reported ---------------------------------------------

    [Fact]
    public void Identifiers_are_trimmed_with_a_warning_on_every_shape()
    {
        // No userId: the call's userId would win over the external id (docs/models.md), and this is about the trimming.
        var sent = MapAll(MessageType.Identify, null, null,
            Data(("email", "  ada@example.com "), ("phone", " +14155550123 "), ("externalId", "\tx-1 ")),
            Typed(new MatrixPerson("  ada@example.com ", Phone: " +14155550123 ", ExternalId: "\tx-1 ")));
        var profile = sent.Profile();
        Assert.Equal("ada@example.com", Json.Str(profile, "email"));
        Assert.Equal("+14155550123", Json.Str(profile, "phone_number"));
        Assert.Equal("x-1", Json.Str(profile, "external_id"));
        Assert.Equal(3, sent.Warnings.Count(w => w.Contains("surrounding whitespace")));
    }

    [Fact]
    public void A_dropped_identifier_is_named_in_the_outcome_on_every_shape()
    {
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(("email", "not an email"), ("phone", "12"), ("external_id", "  ")));
        Assert.Contains(sent.Warnings, w => w.StartsWith("[email]", StringComparison.Ordinal) && w.Contains("left out"));
        Assert.Contains(sent.Warnings, w => w.StartsWith("[phone_number]", StringComparison.Ordinal));
        Assert.Contains(sent.Warnings, w => w.StartsWith("[external_id]", StringComparison.Ordinal) && w.Contains("blank"));
        Assert.Equal("user-1", Json.Str(sent.Profile(), "external_id"));
    }

    // ---- Item 6: typed ecommerce events equal their dictionary twins --------------------------------------------

    [Fact]
    public void Typed_ecommerce_events_send_what_their_dictionary_twins_send()
    {
        var checkout = MapAll(MessageType.Track, "u", "Checkout Started", Data(("value", 42.5m), ("currency", "usd"), ("checkoutId", "c-1")),
            Typed(new MatrixCheckoutStarted(42.5m, "usd", "c-1")), new MessageOptions { MessageId = "m" });
        Assert.Equal("42.5", Json.Str(checkout.Event(), "value"));
        Assert.Equal("USD", Json.Str(checkout.Event(), "value_currency"));

        var refund = MapAll(MessageType.Track, "u", "Order Refunded", Data(("orderId", "o-9"), ("total", 19.99m), ("currency", "eur")), Typed(new MatrixOrderRefunded("o-9", 19.99m, "eur")));
        Assert.Equal("Refunded Order", CapturingSender.Metric(refund.Event()));
        Assert.Equal("19.99", Json.Str(refund.Event(), "value"));

        var added = MapAll(MessageType.Track, "u", "Product Added", Data(("productId", "p-1"), ("price", 5m), ("quantity", 3)), Typed(new MatrixProductAdded("p-1", 5m, 3)));
        Assert.Equal("Added to Cart", CapturingSender.Metric(added.Event()));
        Assert.Equal("5", Json.Str(added.Event(), "value"));
    }

    [Fact]
    public void Order_Completed_expands_identically_on_every_shape()
    {
        var products = new List<object?>
        {
            Data(("id", "p1"), ("name", "A"), ("price", 10), ("quantity", 2), ("productUrl", "https://x/p1"), ("imageUrl", "https://x/p1.png")),
            Data(("sku", "s2"), ("price", 3.5)),
            Data(("name", "no id")),
        };
        var sent = MapAll(MessageType.Track, "u", "Order Completed", Data(("orderId", "o-1"), ("revenue", 23.5), ("currency", "usd"), ("products", products)));
        var events = sent.Events();
        Assert.Equal(["Placed Order", "Ordered Product", "Ordered Product"], events.Select(CapturingSender.Metric));
        Assert.Equal(["o-1", "o-1_p1", "o-1_s2"], events.Select(e => Json.Str(e, "unique_id")));
        Assert.Equal(["23.5", "20", "3.5"], events.Select(e => Json.Str(e, "value")));
        Assert.Equal("https://x/p1", (string?)events[1]["properties"]!["Product URL"]);
        Assert.Contains(sent.Rejections, r => r.Contains("products[2]"));
    }

    [Fact]
    public void Present_nulls_clear_and_Amperity_properties_merge_on_every_shape()
    {
        var sent = MapAll(MessageType.Identify, "u", null, Data(("email", "z@example.com"), ("firstName", null), ("nickname", null), ("properties", Data(("store_id", "s-9")))));
        var profile = sent.Profile();
        Assert.True(profile.ContainsKey("first_name") && profile["first_name"] is null);
        Assert.True(profile["properties"]!.AsObject().ContainsKey("nickname"));
        Assert.Equal("s-9", Json.Str(profile, "properties.store_id"));
    }

    [Fact]
    public void Group_takes_the_organization_from_the_name_trait_on_every_shape()
    {
        var sent = MapAll(MessageType.Group, "u", "g-1", Data((KlaviyoMappingTables.CompanyNameKey, "Initech"), ("employees", 50)));
        Assert.Equal("Initech", Json.Str(sent.Profile(), "organization"));
        Assert.Equal("g-1", Json.Str(sent.Profile(), "properties.group_id"));
    }

    // ---- Item 7: profile patch operations ------------------------------------------------------------------------

    [Fact]
    public void Patch_operations_become_meta_patch_properties_on_every_shape()
    {
        var options = new MessageOptions
        {
            MessageId = "m",
            PatchProperties = new ProfilePropertyPatch
            {
                Append = new Dictionary<string, object?> { ["tags"] = new List<object?> { "vip" } },
                Unappend = new Dictionary<string, object?> { ["$interests"] = "golf" },
                Unset = ["old_score"],
            },
        };
        var sent = MapAll(MessageType.Identify, "u", null, Data(("email", "p@example.com")), Typed(new MatrixPerson("p@example.com")), options);
        var data = sent.Bodies(RequestComposer.ProfileImportPath).Single();
        Assert.Equal("""{"patch_properties":{"append":{"tags":["vip"]},"unappend":{"interests":"golf"},"unset":["old_score"]}}""", data["meta"]!.ToJsonString());
    }

    [Fact]
    public void Patch_values_given_as_JSON_write_the_same_meta_as_CLR_values()
    {
        var json = JsonDocument.Parse("""{"tags":["vip",2],"level":3}""").RootElement;
        MessageOptions With(IReadOnlyDictionary<string, object?> append) => new() { MessageId = "m", PatchProperties = new ProfilePropertyPatch { Append = append } };
        var fromJson = Map(MessageType.Identify, "u", null, MessagePayload.From(Data(("email", "p@example.com"))), With(json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value)));
        var fromNode = Map(MessageType.Identify, "u", null, MessagePayload.From(Data(("email", "p@example.com"))), With(JsonNode.Parse(json.GetRawText())!.AsObject().ToDictionary(p => p.Key, p => (object?)p.Value)));
        var fromClr = Map(MessageType.Identify, "u", null, MessagePayload.From(Data(("email", "p@example.com"))), With(Data(("tags", new object?[] { "vip", 2 }), ("level", 3))));
        var expected = fromClr.Bodies(RequestComposer.ProfileImportPath).Single()["meta"]!.ToJsonString();
        Assert.Equal(expected, fromJson.Bodies(RequestComposer.ProfileImportPath).Single()["meta"]!.ToJsonString());
        Assert.Equal(expected, fromNode.Bodies(RequestComposer.ProfileImportPath).Single()["meta"]!.ToJsonString());
    }

    [Theory]
    [InlineData("conflict", "two patch operations")]
    [InlineData("field", "profile field first_name")]
    [InlineData("novalue", "has no value")]
    [InlineData("nan", "JSON cannot carry")]
    public void Invalid_patch_operations_reject_the_identify_with_a_reason(string problem, string words)
    {
        var patch = problem switch
        {
            "conflict" => new ProfilePropertyPatch { Append = new Dictionary<string, object?> { ["tags"] = "a" }, Unset = ["tags"] },
            "field" => new ProfilePropertyPatch { Unset = ["firstName"] },
            "novalue" => new ProfilePropertyPatch { Append = new Dictionary<string, object?> { ["tags"] = null } },
            _ => new ProfilePropertyPatch { Append = new Dictionary<string, object?> { ["scores"] = double.NaN } },
        };
        var sent = MapAll(MessageType.Identify, "u", null, Data(("email", "p@example.com")), options: new MessageOptions { MessageId = "m", PatchProperties = patch });
        Assert.Empty(sent.Requests);
        Assert.Contains(words, Assert.Single(sent.Rejections));
    }

    [Fact]
    public void Patch_operations_on_a_track_are_reported_not_silently_dropped()
    {
        var sent = MapAll(MessageType.Track, "u", "Signed Up", Data(("email", "p@example.com")),
            options: new MessageOptions { MessageId = "m", PatchProperties = new ProfilePropertyPatch { Unset = ["x"] } });
        Assert.Single(sent.Events());
        Assert.Contains(sent.Warnings, w => w.Contains("apply to Identify"));
    }
}
