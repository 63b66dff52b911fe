using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>One failed row of a profile bulk import job.</summary>
internal sealed record ImportErrorRecord(string Id, string Code, string Title, string Detail, string? Pointer, JsonNode? OriginalPayload);
