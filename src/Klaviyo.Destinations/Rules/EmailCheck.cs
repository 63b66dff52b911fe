using System.Buffers;
using System.Net.Mail;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Whether a string is an email address Klaviyo takes: what <see cref="MailAddress"/> parses back to exactly the same
/// text, with a dot in the host, at most 254 characters, no white space. The common shape (a dot-atom of letters,
/// digits and <c>._+-</c>, an <c>@</c>, a dotted host of letters, digits and <c>-</c>) is recognised without parsing
/// or allocating; anything else goes through <see cref="MailAddress"/> as before, so the answers are the same.
/// </summary>
internal static class EmailCheck
{
    private static readonly SearchValues<char> s_local = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-");
    private static readonly SearchValues<char> s_host = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

    public static bool IsValid(string value) => value.Length <= 254 && (IsPlain(value) || IsValidByParsing(value));

    /// <summary>The full check (every shape <see cref="IsPlain"/> does not recognise).</summary>
    internal static bool IsValidByParsing(string value) =>
        value.Length <= 254 && !HasWhiteSpace(value) && MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.');

    private static bool HasWhiteSpace(string value)
    {
        foreach (var c in value)
            if (char.IsWhiteSpace(c)) return true;
        return false;
    }

    /// <summary><c>local@host</c> as dot-atoms of plain ASCII, with a dot in the host.</summary>
    internal static bool IsPlain(ReadOnlySpan<char> value)
    {
        var at = value.IndexOf('@');
        if (at <= 0) return false;
        var local = value[..at];
        var host = value[(at + 1)..];
        return host.Contains('.') && IsDotAtom(local, s_local) && IsDotAtom(host, s_host);
    }

    private static bool IsDotAtom(ReadOnlySpan<char> part, SearchValues<char> allowed) =>
        part.Length > 0 && part[0] != '.' && part[^1] != '.' && !part.ContainsAnyExcept(allowed) && !part.Contains("..", StringComparison.Ordinal);
}
