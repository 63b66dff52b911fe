using System.Text;

namespace Klaviyo.Emulator.Http;

/// <summary>
/// Parses Klaviyo's <c>filter</c> query syntax: <c>operator(field,value)</c> such as <c>equals(email,"a@b.c")</c>,
/// <c>any(id,["a","b"])</c>, <c>greater-than(created,2026-01-01T00:00:00Z)</c> or <c>has(profile)</c>, several joined by
/// commas or wrapped in <c>and(...)</c>. Which fields and operators an endpoint allows is checked against the spec
/// by <see cref="QueryValidator"/>; which of those the emulator evaluates, by the endpoint.
/// </summary>
internal static class FilterParser
{
    public static IReadOnlyList<FilterCondition> Parse(string? text)
    {
        var conditions = new List<FilterCondition>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return conditions;
        }

        var pos = 0;
        ParseList(text, ref pos, conditions);
        SkipSpace(text, ref pos);
        if (pos != text.Length)
        {
            throw Invalid(text);
        }

        return conditions;
    }

    private static void ParseList(string text, ref int pos, List<FilterCondition> conditions)
    {
        while (true)
        {
            ParseExpression(text, ref pos, conditions);
            SkipSpace(text, ref pos);
            if (pos < text.Length && text[pos] == ',')
            {
                pos++;
                continue;
            }

            return;
        }
    }

    private static void ParseExpression(string text, ref int pos, List<FilterCondition> conditions)
    {
        SkipSpace(text, ref pos);
        var op = ReadWord(text, ref pos);
        Expect(text, ref pos, '(');
        if (op == "and")
        {
            ParseList(text, ref pos, conditions);
            Expect(text, ref pos, ')');
            return;
        }

        if (op is "or" or "not")
        {
            throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                $"The '{op}' filter operator is not supported on this endpoint.", Parameter: "filter"));
        }

        SkipSpace(text, ref pos);
        var field = ReadWord(text, ref pos);
        SkipSpace(text, ref pos);
        var values = new List<string>();
        if (pos < text.Length && text[pos] == ')')
        {
            pos++;
            conditions.Add(new FilterCondition(op, field, values));
            return;
        }

        Expect(text, ref pos, ',');
        SkipSpace(text, ref pos);
        if (pos < text.Length && text[pos] == '[')
        {
            pos++;
            while (true)
            {
                SkipSpace(text, ref pos);
                values.Add(ReadValue(text, ref pos));
                SkipSpace(text, ref pos);
                if (pos < text.Length && text[pos] == ',')
                {
                    pos++;
                    continue;
                }

                Expect(text, ref pos, ']');
                break;
            }
        }
        else
        {
            values.Add(ReadValue(text, ref pos));
        }

        Expect(text, ref pos, ')');
        conditions.Add(new FilterCondition(op, field, values));
    }

    private static string ReadWord(string text, ref int pos)
    {
        var start = pos;
        while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] is '_' or '-' or '.'))
        {
            pos++;
        }

        return pos > start ? text[start..pos] : throw Invalid(text);
    }

    private static string ReadValue(string text, ref int pos)
    {
        if (pos >= text.Length || text[pos] is not ('"' or '\''))
        {
            // Unquoted scalars (numbers, booleans, dates such as 2026-01-01T00:00:00+00:00) are kept as text.
            var start = pos;
            while (pos < text.Length && text[pos] is not (',' or ')' or ']') && !char.IsWhiteSpace(text[pos]))
            {
                pos++;
            }

            return pos > start ? text[start..pos] : throw Invalid(text);
        }

        var quote = text[pos++];
        var sb = new StringBuilder();
        while (pos < text.Length && text[pos] != quote)
        {
            if (text[pos] == '\\' && pos + 1 < text.Length)
            {
                pos++;
            }

            sb.Append(text[pos++]);
        }

        Expect(text, ref pos, quote);
        return sb.ToString();
    }

    private static void Expect(string text, ref int pos, char c)
    {
        SkipSpace(text, ref pos);
        if (pos >= text.Length || text[pos] != c)
        {
            throw Invalid(text);
        }

        pos++;
    }

    private static void SkipSpace(string text, ref int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos]))
        {
            pos++;
        }
    }

    private static ApiProblemException Invalid(string text) =>
        new(new KlaviyoApiError(400, "invalid", "Invalid input.", $"Invalid filter '{text}'.", Parameter: "filter"));
}
