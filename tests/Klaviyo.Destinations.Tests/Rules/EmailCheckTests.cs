using System.Net.Mail;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// The allocation-free email check gives the same answer as the MailAddress check it replaced (which decides whether
/// an email is sent or left out with a reason).
/// </summary>
public sealed class EmailCheckTests
{
    private static bool Before(string value) =>
        value.Length <= 254 && !value.Any(char.IsWhiteSpace) && MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.');

    public static TheoryData<string> Addresses() =>
    [
        "ada@example.com", "ada.lovelace+shop@mail.example.co.uk", "a_b-c@x-y.example", "A@B.CO", "1@2.3", "a@-x.com", "a@x-.com",
        "a@example", "@example.com", "ada@", "ada@@example.com", "ada@.example.com", "ada@example.com.", ".ada@example.com",
        "ada.@example.com", "a..b@example.com", "ada@exa..mple.com", "ada lovelace@example.com", "ada@example.com ", " ada@example.com",
        "ada\t@example.com", "Ada <ada@example.com>", "\"ada\"@example.com", "\"a b\"@example.com", "ada@[127.0.0.1]", "ada@127.0.0.1",
        "zoë@example.com", "ada@exämple.com", "ada@例え.jp", "a!#$%&'*/=?^`{|}~@example.com", "ada(comment)@example.com",
        "ada@example.com(comment)", "ada%x@example.com", "ada@example_com.com", "ada@ex_ample.com", "ada\u00A0@example.com",
        "ada@example.com\u2028", "a@b.c", new string('a', 245) + "@example.com", new string('a', 250) + "@example.com", "", "@", ".",
        "ada@example,com", "ada,b@example.com", "ada;b@example.com", "ada@example.com;", "ada@ex ample.com", "a@b.c.d.e.f", "-@-.-",
    ];

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Agrees_with_the_MailAddress_check(string value) => Assert.Equal(Before(value), EmailCheck.IsValid(value));

    [Theory]
    [MemberData(nameof(Addresses))]
    public void The_fast_path_only_accepts_what_MailAddress_accepts(string value)
    {
        if (value.Length <= 254 && EmailCheck.IsPlain(value)) Assert.True(Before(value));
    }
}
