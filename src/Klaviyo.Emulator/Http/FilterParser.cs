using System.Text;

namespace Klaviyo.Emulator.Http;

/// <summary>
/// Parses Klaviyo's <c>filter</c> query syntax for the subset the emulator serves:
/// <c>equals(field,"value")</c>, <c>any(field,["a","b"])</c>, several joined by commas or wrapped in <c>and(...)</c>.
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

        if (op is not ("equals" or "any"))
        {
            throw Invalid(text);
        }

        SkipSpace(text, ref pos);
        var field = ReadWord(text, ref pos);
        Expect(text, ref pos, ',');
        SkipSpace(text, ref pos);
        var values = new List<string>();
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
            // Unquoted scalars (numbers, booleans) are kept as text.
            return ReadWord(text, ref pos);
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
