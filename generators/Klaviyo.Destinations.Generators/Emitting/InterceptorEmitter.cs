using System.Collections.Generic;
using System.Linq;
using Klaviyo.Destinations.Generators.Model;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>Model → view: one anonymous shape's mapper and interceptors, handed to the <c>Interceptors.sbncs</c> template.</summary>
internal static class InterceptorEmitter
{
    private const string Payload = "global::Klaviyo.Destinations.MessagePayload";

    private const string Registry = "global::Klaviyo.Destinations.Mapping.KlaviyoMapperRegistry";

    public static string Emit(AnonymousMapperModel model, GeneratorOptions options) => Emit(model, options,
        "Maps one anonymous payload shape without reflection: the calls below are intercepted at compile time and their\n    /// payload is passed with this generated mapper.",
        null);

    /// <summary>
    /// A shape passed to a generic helper that hands it to Analytics: the same mapper, no interceptor, and a module
    /// initializer that registers it, so the runtime finds it by the payload's type inside the helper.
    /// </summary>
    public static string EmitRegistration(HelperRegistrationModel registration, GeneratorOptions options)
    {
        var lines = new System.Collections.Generic.List<string>();
        if (registration.Profile)
            lines.Add($"{Registry}.Register<TShape>((global::Klaviyo.Destinations.Mapping.IKlaviyoProfileMapper<TShape>)Mapper<TShape>.Instance);");
        if (registration.Event)
            lines.Add($"{Registry}.Register<TShape>((global::Klaviyo.Destinations.Mapping.IKlaviyoEventMapper<TShape>)Mapper<TShape>.Instance);");
        var model = new AnonymousMapperModel(registration.Payload, EquatableArray<InterceptorModel>.Empty);
        return Emit(model, options,
            "Maps one anonymous payload shape without reflection. It is passed to the generic method '"
                + registration.MethodName + "', which hands it to Analytics:\n    /// the mapper is registered with the runtime when the assembly loads, so the runtime finds it by the payload's type.",
            new Dictionary<string, object>
            {
                ["class_name"] = "KlaviyoHelperPayload_" + registration.Payload.Key + "_" + registration.SiteKey,
                ["site"] = registration.MethodName + " called at " + registration.DisplayLocation,
                ["lines"] = lines,
            });
    }

    private static string Emit(AnonymousMapperModel model, GeneratorOptions options, string summary, Dictionary<string, object>? registration)
    {
        var payload = model.Payload;
        var values = new ValueEmitter();
        var profile = new CodeWriter();
        foreach (var member in payload.ProfileMembers)
            MapperEmitter.EmitMember(profile, values, member, "value." + CodeWriter.Identifier(member.Name), options);
        var events = new CodeWriter();
        foreach (var member in payload.EventMembers)
            MapperEmitter.EmitMember(events, values, member, "value." + CodeWriter.Identifier(member.Name), options);

        var anonymous = payload.AnonymousObjects.ToDictionary(a => a.Key, a => a.Prototype);
        var objects = payload.ObjectTypes.Select(o => new Dictionary<string, object>
        {
            ["method"] = ValueEmitter.ObjectMethod(o.Key),
            ["type_name"] = o.TypeName,
            ["prototype"] = anonymous.TryGetValue(o.Key, out var prototype) ? prototype : "",
            ["lines"] = MapperEmitter.ObjectBody(values, o, options.PropertyNaming),
        }).ToList();
        var enums = payload.Enums.Select(e => new Dictionary<string, object>
        {
            ["method"] = ValueEmitter.EnumMethod(e.Key),
            ["type_name"] = e.TypeName,
            ["cases"] = e.Names.Select(n => $"{e.TypeName}.{CodeWriter.Identifier(n)} => {CodeWriter.Literal(n)},").ToList(),
        }).ToList();

        var interceptors = model.Interceptors.Select((interceptor, index) => Interceptor(interceptor, index)).ToList();

        return Templates.Render("Interceptors", new Dictionary<string, object?>
        {
            ["class_name"] = "KlaviyoAnonymousPayload_" + payload.Key,
            ["summary"] = summary,
            ["has_interceptors"] = model.Interceptors.Count > 0,
            ["registration"] = registration,
            ["version"] = GeneratorInfo.Version,
            ["prototype"] = payload.Prototype,
            ["helpers"] = payload.PrototypeHelpers.ToList(),
            ["interceptors"] = interceptors,
            ["names"] = values.Names.Select(n => new Dictionary<string, object> { ["field"] = n.Key, ["literal"] = CodeWriter.Literal(n.Value) }).ToList(),
            ["profile_body"] = profile.Lines,
            ["event_body"] = events.Lines,
            ["objects"] = objects,
            ["enums"] = enums,
        });
    }

    private static Dictionary<string, object> Interceptor(InterceptorModel interceptor, int index)
    {
        var method = interceptor.Method;
        var typeParameter = method.TypeParameter;
        var parameters = method.Parameters.Select(p => p.Type + " " + p.Name);
        var arguments = method.Parameters.Select((p, i) => i == method.PayloadIndex
            ? $"{Payload}.FromMapper({p.Name}, Mapper<{typeParameter}>.Instance, Mapper<{typeParameter}>.Instance)"
            : p.Name);
        return new Dictionary<string, object>
        {
            ["attributes"] = interceptor.Locations.Select(l =>
                $"[global::System.Runtime.CompilerServices.InterceptsLocation({l.Version}, {CodeWriter.Literal(l.Data)})] // {l.Display}").ToList(),
            ["signature"] = $"internal static {method.ReturnType} {method.Name}_{index}<{typeParameter}>(this global::Klaviyo.Destinations.Analytics klaviyoAnalytics, {string.Join(", ", parameters)})",
            ["call"] = $"klaviyoAnalytics.{method.Name}<{Payload}>({string.Join(", ", arguments)})",
        };
    }
}
