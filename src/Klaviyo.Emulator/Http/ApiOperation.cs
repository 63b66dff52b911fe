using Klaviyo.Emulator.Spec;

namespace Klaviyo.Emulator.Http;

/// <summary>Endpoint metadata tying a mapped route to its OpenAPI operation (rate limits, request schema).</summary>
internal sealed record ApiOperation(OperationSpec Spec)
{
    /// <summary>Counter key, e.g. <c>POST /api/events</c>.</summary>
    public string Key => Spec.Method + " " + Spec.PathTemplate;
}
