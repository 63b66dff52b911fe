using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>Collects indented statement lines for a template to lay out; escaping happens here, not in templates.</summary>
internal sealed class CodeWriter
{
    private readonly List<string> _lines = new();
    private int _indent;

    public List<string> Lines => _lines;

    public void Line(string text) => _lines.Add(new string(' ', _indent * 4) + text);

    public void Open(string text)
    {
        Line(text);
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    public static string Join(IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        foreach (var line in lines) sb.Append(line).Append('\n');
        return sb.ToString();
    }
}
