namespace Klaviyo.Emulator.Http;

/// <summary>One parsed filter condition, e.g. <c>equals(email,"a@b.c")</c>.</summary>
internal sealed record FilterCondition(string Operator, string Field, IReadOnlyList<string> Values);
