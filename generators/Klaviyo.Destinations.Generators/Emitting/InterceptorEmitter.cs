using System.Collections.Generic;
using System.Linq;
using Klaviyo.Destinations.Generators.Model;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>
/// Model → view for anonymous payloads: a shape's mapper (once per shape, <c>AnonymousShape.sbncs</c>) and a call site's
/// interceptor (once per call, <c>Interceptors.sbncs</c>), which passes the payload with its shape's mapper.
/// </summary>
internal static class InterceptorEmitter
{
    private const string Payload = "global::Klaviyo.Destinations.MessagePayload";
    private const string Registry = "global::Klaviyo.Destinations.Mapping.KlaviyoMapperRegistry";
    private const string Generated = "global::Klaviyo.Destinations.Generated.";

    /// <summary>One shape's mapper, and its registration with the runtime when a generic helper passes the shape on.</summary>
    public static string EmitShape(ShapeFileModel model, GeneratorOptions options)
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

        List<string>? registration = null;
        if (model.RegisterProfile || model.RegisterEvent)
        {
            registration = new List<string>();
            if (model.RegisterProfile)
                registration.Add($"{Registry}.Register<TShape>((global::Klaviyo.Destinations.Mapping.IKlaviyoProfileMapper<TShape>)Mapper<TShape>.Instance);");
            if (model.RegisterEvent)
                registration.Add($"{Registry}.Register<TShape>((global::Klaviyo.Destinations.Mapping.IKlaviyoEventMapper<TShape>)Mapper<TShape>.Instance);");
        }

        return Templates.Render("AnonymousShape", new Dictionary<string, object?>
        {
            ["class_name"] = ShapeFileModel.ClassName(payload.Key),
            ["version"] = GeneratorInfo.Version,
            ["prototype"] = payload.Prototype,
            ["helpers"] = payload.PrototypeHelpers.ToList(),
            ["registration"] = registration,
            ["names"] = values.Names.Select(n => new Dictionary<string, object> { ["field"] = n.Key, ["literal"] = CodeWriter.Literal(n.Value) }).ToList(),
            ["profile_body"] = profile.Lines,
            ["event_body"] = events.Lines,
            ["objects"] = objects,
            ["enums"] = enums,
        });
    }

    /// <summary>One call site's interceptor.</summary>
    public static string EmitInterceptor(InterceptorSiteModel site) =>
        Templates.Render("Interceptors", new Dictionary<string, object?>
        {
            ["class_name"] = "KlaviyoInterceptor_" + site.SiteKey,
            ["shape_class"] = ShapeFileModel.ClassName(site.ShapeKey),
            ["version"] = GeneratorInfo.Version,
            ["interceptors"] = new[] { Interceptor(site.Interceptor, 0, Generated + ShapeFileModel.ClassName(site.ShapeKey)) }.ToList(),
        });

    private static Dictionary<string, object> Interceptor(InterceptorModel interceptor, int index, string shapeClass)
    {
        var method = interceptor.Method;
        var typeParameter = method.TypeParameter;
        var mapper = $"{shapeClass}.Mapper<{typeParameter}>.Instance";
        var parameters = method.Parameters.Select(p => p.Type + " " + p.Name);
        var arguments = method.Parameters.Select((p, i) => i == method.PayloadIndex
            ? $"{Payload}.FromMapper({p.Name}, {mapper}, {mapper})"
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
