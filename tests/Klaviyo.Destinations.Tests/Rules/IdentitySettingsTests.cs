using Klaviyo.Destinations.Tests.Support;
using static Klaviyo.Destinations.Tests.Rules.ShapeMatrix;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// Every value of the identity settings reads the identity of the same name. The settings and <see cref="UserIdentity"/>
/// are separate enums: this fails if either is reordered or extended without its mapping.
/// </summary>
public sealed class IdentitySettingsTests
{
    /// <summary>Every identity a message can carry, each with its own address: "other4@example.com" for Other4.</summary>
    private static MessageOptions AllIdentities() => new()
    {
        MessageId = "msg-1",
        Identities = Enum.GetValues<UserIdentity>().ToDictionary(i => i, i => $"{i.ToString().ToLowerInvariant()}@example.com"),
    };

    public static TheoryData<ExternalEmailIdentityType> EmailSettings() => new(Enum.GetValues<ExternalEmailIdentityType>());

    public static TheoryData<AlternateIdentifier> AlternateSettings() => new(Enum.GetValues<AlternateIdentifier>());

    [Theory]
    [MemberData(nameof(EmailSettings))]
    public void Every_external_email_identity_type_sends_the_identity_of_its_name_as_email(ExternalEmailIdentityType setting)
    {
        var sent = MapAll(MessageType.Identify, null, null, Data(("first_name", "Ada")), options: AllIdentities(),
            configure: o => o.ExternalEmailIdentityType = setting);
        Assert.Equal($"{setting.ToString().ToLowerInvariant()}@example.com", Json.Str(sent.Profile(), "email"));
    }

    [Theory]
    [MemberData(nameof(AlternateSettings))]
    public void Every_alternate_identifier_sends_the_identity_of_its_name_as_external_id(AlternateIdentifier setting)
    {
        var sent = MapAll(MessageType.Identify, null, null, Data(("email", "ada@example.com")), options: AllIdentities(),
            configure: o => o.AlternateIdentifier = setting);
        if (setting == AlternateIdentifier.None) Assert.False(Json.Has(sent.Profile(), "external_id"));
        else Assert.Equal($"{setting.ToString().ToLowerInvariant()}@example.com", Json.Str(sent.Profile(), "external_id"));
    }

    [Fact]
    public void The_numbered_other_identities_of_mParticle_batches_are_Other_to_Other10()
    {
        Assert.Equal(UserIdentity.Other, IdentitySettings.Other(1));
        for (var n = 2; n <= 10; n++) Assert.Equal($"Other{n}", IdentitySettings.Other(n).ToString());
        Assert.Null(IdentitySettings.Other(0));
        Assert.Null(IdentitySettings.Other(11));
        var others = Enum.GetValues<UserIdentity>().Where(i => i.ToString().StartsWith("Other", StringComparison.Ordinal)).ToList();
        Assert.Equal(others.Order(), Enumerable.Range(1, 10).Select(n => IdentitySettings.Other(n)!.Value).Order());
    }
}
