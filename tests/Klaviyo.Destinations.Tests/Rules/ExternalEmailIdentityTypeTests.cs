using Klaviyo.Destinations.Tests.Support;
using static Klaviyo.Destinations.Tests.Rules.ShapeMatrix;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// mParticle's "External Email Identity Type" connection setting: which identity is sent as the email when the payload
/// carries none — on identify and track, on every payload shape; an email in the payload still wins.
/// </summary>
public sealed class ExternalEmailIdentityTypeTests
{
    private static MessageOptions Identities() => new()
    {
        MessageId = "msg-1",
        Identities = new Dictionary<UserIdentity, string>
        {
            [UserIdentity.Email] = "email-identity@example.com",
            [UserIdentity.CustomerId] = "customer@example.com",
            [UserIdentity.Other] = "other1@example.com",
            [UserIdentity.Other4] = "other4@example.com",
            [UserIdentity.Other10] = "other10@example.com",
        },
    };

    public static TheoryData<ExternalEmailIdentityType, string> Settings() => new()
    {
        { ExternalEmailIdentityType.Email, "email-identity@example.com" },
        { ExternalEmailIdentityType.CustomerId, "customer@example.com" },
        { ExternalEmailIdentityType.Other, "other1@example.com" },
        { ExternalEmailIdentityType.Other4, "other4@example.com" },
        { ExternalEmailIdentityType.Other10, "other10@example.com" },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void The_setting_picks_which_identity_is_sent_as_email_on_identify_and_track_on_every_shape(ExternalEmailIdentityType setting, string expected)
    {
        var identify = MapAll(MessageType.Identify, null, null, Data(("first_name", "Ada")), options: Identities(),
            configure: o => o.ExternalEmailIdentityType = setting);
        Assert.Equal(expected, Json.Str(identify.Profile(), "email"));

        var track = MapAll(MessageType.Track, null, "Opened App", Data(("screen", "home")), options: Identities(),
            configure: o => o.ExternalEmailIdentityType = setting);
        Assert.Equal(expected, Json.Str(Rendering.EventProfile(track.Event()), "email"));
    }

    [Fact]
    public void Default_is_the_Email_identity()
    {
        Assert.Equal(ExternalEmailIdentityType.Email, new KlaviyoDestinationOptions().ExternalEmailIdentityType);
        Assert.Contains("ExternalEmailIdentityType = Email", new KlaviyoDestinationOptions().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_Other_setting_without_that_identity_sends_no_email_and_the_event_is_rejected_when_email_or_phone_is_required()
    {
        var options = new MessageOptions { MessageId = "msg-1", Identities = new Dictionary<UserIdentity, string> { [UserIdentity.Email] = "email-identity@example.com" } };
        var sent = MapAll(MessageType.Track, "user-1", "Opened App", Data(("screen", "home")), options: options,
            configure: o => { o.ExternalEmailIdentityType = ExternalEmailIdentityType.Other2; o.RequireEmailOrPhoneOnEvents = true; });
        Assert.Empty(sent.Requests);
        Assert.Contains(sent.Rejections, r => r.Contains("RequireEmailOrPhoneOnEvents", StringComparison.Ordinal));
    }

    [Fact]
    public void An_email_in_the_payload_wins_over_the_chosen_identity_on_every_shape()
    {
        var sent = MapAll(MessageType.Identify, "user-1", null, Data(("email", "c@example.com")), MessagePayload.From(new MatrixPerson("c@example.com")), Identities(),
            o => o.ExternalEmailIdentityType = ExternalEmailIdentityType.Other4);
        Assert.Equal("c@example.com", Json.Str(sent.Profile(), "email"));
    }
}
