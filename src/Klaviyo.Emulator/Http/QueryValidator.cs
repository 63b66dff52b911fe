using Klaviyo.Emulator.Spec;
using Microsoft.AspNetCore.Http;

namespace Klaviyo.Emulator.Http;

/// <summary>
/// Checks a request's query string against the operation's declared parameters, as the live API does: an unknown
/// parameter, a value outside the parameter's <c>enum</c> (<c>sort</c>, <c>include</c>, <c>additional-fields</c>,
/// <c>fields[…]</c>) or a filter field/operator the endpoint does not list is a 400 naming the parameter.
/// </summary>
internal static class QueryValidator
{
    public static KlaviyoApiError? Check(OperationSpec operation, IQueryCollection query)
    {
        foreach (var (name, value) in query)
        {
            if (!operation.QueryParameters.TryGetValue(name, out var parameter))
            {
                return Invalid(name, $"'{name}' is not a valid query parameter for {operation.Method} {operation.PathTemplate}.");
            }

            var text = value.ToString();
            if (parameter.Values is { } allowed)
            {
                var given = parameter.IsList ? text.Split(',') : [text];
                foreach (var item in given)
                {
                    if (!allowed.Contains(item, StringComparer.Ordinal))
                    {
                        return Invalid(name, $"'{item}' is not a valid value for {name}; allowed: {string.Join(", ", allowed)}.");
                    }
                }
            }

            if (parameter.FilterFields is { } fields)
            {
                foreach (var condition in FilterParser.Parse(text))
                {
                    if (!fields.TryGetValue(condition.Field, out var operators))
                    {
                        return Invalid(name, $"'{condition.Field}' is not a valid field for the filter; allowed: {string.Join(", ", fields.Keys)}.");
                    }

                    if (!operators.Contains(condition.Operator, StringComparer.Ordinal))
                    {
                        return Invalid(name, $"'{condition.Operator}' is not a valid operator for '{condition.Field}'; allowed: {string.Join(", ", operators)}.");
                    }
                }
            }
        }

        return null;
    }

    private static KlaviyoApiError Invalid(string parameter, string detail) =>
        new(400, "invalid", "Invalid input.", detail, Parameter: parameter);
}
