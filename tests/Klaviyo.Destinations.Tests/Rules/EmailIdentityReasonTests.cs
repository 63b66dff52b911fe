using Klaviyo.Destinations.Rules;
using Microsoft.Extensions.Time.Testing;
using static Klaviyo.Destinations.Tests.Rules.ShapeMatrix;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// With mParticle's External Email Identity Type pointing at another identity, what needs an email (consent, list
/// membership, EnforceEmailAsPrimaryIdentifier) says where the email is taken from, and computed audiences remember a
/// person by that identity — on every payload shape.
/// </summary>
public sealed class EmailIdentityReasonTests
{
    private static MessageOptions WithIdentities(IReadOnlyDictionary<string, bool>? consent = null, IReadOnlyDictionary<string, bool>? audiences = null, params (UserIdentity Kind, string Value)[] identities) => new()
    {
        MessageId = "msg-1",
        Consent = consent,
        Audiences = audiences,
        Identities = identities.ToDictionary(i => i.Kind, i => i.Value),
    };

    [Fact]
    public void A_consent_without_email_names_the_identity_the_setting_chose_on_every_shape()
    {
        var options = WithIdentities(new Dictionary<string, bool> { ["email_marketing"] = true }, null, (UserIdentity.Email, "ignored@example.com"));
        var sent = MapAll(MessageType.Identify, null, null, Data(("first_name", "Ada"), ("phone", "+14155550100")), options: options,
            configure: o => o.ExternalEmailIdentityType = ExternalEmailIdentityType.Other3);

        var reason = Assert.Single(sent.Rejections, r => r.Contains("Consent 'email_marketing'", StringComparison.Ordinal));
        Assert.Contains("the Other3 identity (ExternalEmailIdentityType is Other3)", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("an Email identity", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_consent_with_the_email_in_the_chosen_identity_is_sent_on_every_shape()
    {
        var options = WithIdentities(new Dictionary<string, bool> { ["email_marketing"] = true }, null, (UserIdentity.Other3, "ada@example.com"));
        var sent = MapAll(MessageType.Identify, null, null, Data(("first_name", "Ada")), options: options,
            configure: o => o.ExternalEmailIdentityType = ExternalEmailIdentityType.Other3);

        Assert.Empty(sent.Rejections);
        Assert.True(sent.Requests.Any(r => r.ToJsonString().Contains("\"consent\":\"SUBSCRIBED\"", StringComparison.Ordinal) && r.ToJsonString().Contains("ada@example.com", StringComparison.Ordinal)), sent.ToString());
    }

    [Fact]
    public void A_list_change_without_email_names_the_Customer_Id_identity_when_it_is_the_email_source_on_every_shape()
    {
        var sent = MapAll(MessageType.AudienceEntered, null, "VIP", Data(("phone", "+14155550100")), options: WithIdentities(),
            configure: o =>
            {
                o.ExternalEmailIdentityType = ExternalEmailIdentityType.CustomerId;
                o.AudienceLists["VIP"] = "LIST1";
            });

        var reason = Assert.Single(sent.Rejections);
        Assert.Contains("the Customer Id identity or the userId (ExternalEmailIdentityType is CustomerId)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EnforceEmailAsPrimaryIdentifier_names_the_chosen_identity_on_every_shape()
    {
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(("first_name", "Ada")), options: WithIdentities(null, null, (UserIdentity.Email, "ignored@example.com")),
            configure: o => { o.ExternalEmailIdentityType = ExternalEmailIdentityType.Other10; o.EnforceEmailAsPrimaryIdentifier = true; });

        var reason = Assert.Single(sent.Rejections);
        Assert.Contains("the Other10 identity", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dictionary")]
    [InlineData("JsonElement")]
    [InlineData("JsonObjectParsed")]
    [InlineData("JsonObjectBuilt")]
    public void Computed_audiences_remember_a_person_known_only_by_the_chosen_identity(string shapeName)
    {
        var shape = Enum.Parse<Shape>(shapeName);
        var settings = new KlaviyoDestinationOptions { ApiKey = "pk_test_matrix", QueueStorage = QueueStorage.Memory, ExternalEmailIdentityType = ExternalEmailIdentityType.Other2 };
        var mapper = new MessageMapper(settings, new FakeTimeProvider(CallTime.AddDays(1)));
        MappingResult Identify(string messageId, bool vip) => mapper.Map(AnalyticsMessage.Create(MessageType.Identify, null, null,
            Payload(shape, Data(("first_name", "Ada")), null),
            new MessageOptions
            {
                MessageId = messageId,
                Audiences = new Dictionary<string, bool> { ["VIP Customers"] = vip },
                Identities = new Dictionary<UserIdentity, string> { [UserIdentity.Other2] = "ada@example.com" },
            }, CallTime));

        static string Sent(MappingResult result) => string.Join("\n", result.Items.Select(i => System.Text.Encoding.UTF8.GetString(RequestComposer.SingleBody(i))));

        Assert.Contains("\"vip_customers\":true", Sent(Identify("m-1", vip: true)), StringComparison.Ordinal);
        // Same membership again: not sent again (the person is known by the Other2 identity only, no userId or anonymous id).
        Assert.DoesNotContain("vip_customers", Sent(Identify("m-2", vip: true)), StringComparison.Ordinal);
        Assert.Contains("\"vip_customers\":false", Sent(Identify("m-3", vip: false)), StringComparison.Ordinal);
    }
}
