using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using Scriban;
using Scriban.Runtime;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>The embedded Scriban templates, parsed once. Templates do layout only; values arrive escaped.</summary>
internal static class Templates
{
    private static readonly ConcurrentDictionary<string, Template> s_cache = new(StringComparer.Ordinal);

    public static string Render(string name, IDictionary<string, object?> view)
    {
        var template = s_cache.GetOrAdd(name, Load);
        var script = new ScriptObject();
        foreach (var pair in view) script.Add(pair.Key, Convert(pair.Value));
        var context = new TemplateContext { StrictVariables = true, LoopLimit = 0 };
        context.PushGlobal(script);
        return template.Render(context).Replace("\r\n", "\n");
    }

    private static object? Convert(object? value) => value switch
    {
        IDictionary<string, object> map => ToScript(map),
        IEnumerable<Dictionary<string, object>> maps => ToList(maps),
        _ => value,
    };

    private static ScriptObject ToScript(IDictionary<string, object> map)
    {
        var script = new ScriptObject();
        foreach (var pair in map) script.Add(pair.Key, Convert(pair.Value));
        return script;
    }

    private static ScriptArray ToList(IEnumerable<Dictionary<string, object>> maps)
    {
        var array = new ScriptArray();
        foreach (var map in maps) array.Add(ToScript(map));
        return array;
    }

    private static Template Load(string name)
    {
        var resource = "Klaviyo.Destinations.Generators.Templates." + name + ".sbncs";
        using var stream = typeof(Templates).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException("Missing embedded template " + resource);
        using var reader = new StreamReader(stream);
        var template = Template.Parse(reader.ReadToEnd(), resource);
        if (template.HasErrors) throw new InvalidOperationException("Template " + name + " has errors: " + string.Join("; ", template.Messages));
        return template;
    }
}
