using Klaviyo.Emulator.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>Maps handlers onto the spec's method and path for an <c>operationId</c>, tagging them with <see cref="ApiOperation"/>.</summary>
internal static class ApiRoutes
{
    public static void Map(this IEndpointRouteBuilder app, EmulatorRuntime runtime, string operationId, Func<ApiContext, IResult> handler)
    {
        var spec = runtime.Spec.GetOperation(operationId);
        app.MapMethods(spec.PathTemplate, [spec.Method], (HttpContext http) => handler(new ApiContext(http, runtime)))
            .WithMetadata(new ApiOperation(spec))
            .WithDisplayName(operationId);
    }

    public static void MapAll(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        ProfileEndpoints.Map(app, runtime);
        EventEndpoints.Map(app, runtime);
        ListEndpoints.Map(app, runtime);
        BulkImportEndpoints.Map(app, runtime);
        SubscriptionEndpoints.Map(app, runtime);
        PrivacyEndpoints.Map(app, runtime);
        AccountEndpoints.Map(app, runtime);
    }
}
