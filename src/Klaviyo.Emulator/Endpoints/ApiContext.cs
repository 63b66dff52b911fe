using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>What a handler gets: the HTTP context, the validated body and the store.</summary>
internal sealed class ApiContext
{
    public ApiContext(HttpContext http, EmulatorRuntime runtime)
    {
        Http = http;
        Runtime = runtime;
    }

    public HttpContext Http { get; }

    public EmulatorRuntime Runtime { get; }

    public EmulatorStore Store => Runtime.Store;

    public DateTimeOffset Now => Runtime.Time.GetUtcNow();

    /// <summary>The validated request body (only for operations with a request schema).</summary>
    public JsonObject Body => Http.Items[ApiMiddleware.BodyItem] as JsonObject
        ?? throw new InvalidOperationException("This operation has no request body.");

    public int BodyLength => Http.Items[ApiMiddleware.BodyLengthItem] is int n ? n : 0;

    public string BaseUrl => $"{Http.Request.Scheme}://{Http.Request.Host}";

    public string RouteValue(string name) => Http.Request.RouteValues[name]?.ToString() ?? string.Empty;

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>Runs <paramref name="action"/> under the store lock, applying due jobs before and after.</summary>
    public T Locked<T>(Func<T> action)
    {
        lock (Store.Sync)
        {
            Store.Pump();
            var result = action();
            Store.Pump();
            return result;
        }
    }

    public IReadOnlyList<FilterCondition> Filter(params string[] allowedFields)
    {
        var conditions = FilterParser.Parse(Query("filter"));
        foreach (var c in conditions)
        {
            if (!allowedFields.Contains(c.Field, StringComparer.Ordinal))
            {
                throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                    $"'{c.Field}' is not a valid filter field for this endpoint; the emulator supports {string.Join(", ", allowedFields)}.", Parameter: "filter"));
            }
        }

        return conditions;
    }

    /// <summary>Cuts one page out of <paramref name="items"/> by <c>page[size]</c> and <c>page[cursor]</c>, with JSON:API links.</summary>
    public (IReadOnlyList<T> Page, JsonObject Links) Page<T>(IReadOnlyList<T> items, int defaultSize, int maxSize)
    {
        var size = defaultSize;
        if (Query("page[size]") is { } sizeText
            && (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > maxSize))
        {
            throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                $"page[size] must be an integer between 1 and {maxSize}.", Parameter: "page[size]"));
        }

        var offset = 0;
        if (Query("page[cursor]") is { Length: > 0 } cursor)
        {
            // Klaviyo's official SDKs take the whole links.next URL as the cursor and unwrap it only when it starts
            // with https://; the emulator speaks http, so it unwraps its own links itself.
            if (cursor.Contains('?', StringComparison.Ordinal) && Uri.TryCreate(cursor, UriKind.Absolute, out var link))
            {
                cursor = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(link.Query).TryGetValue("page[cursor]", out var inner)
                    ? inner.ToString()
                    : cursor;
            }

            try
            {
                offset = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(cursor)), CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.", "Invalid page[cursor].", Parameter: "page[cursor]"));
            }
        }

        var page = items.Skip(offset).Take(size).ToArray();
        var self = BaseUrl + Http.Request.Path + Http.Request.QueryString;
        var links = new JsonObject { ["self"] = self, ["next"] = null, ["prev"] = null };
        if (offset + size < items.Count)
        {
            links["next"] = WithCursor(offset + size);
        }

        if (offset > 0)
        {
            links["prev"] = WithCursor(Math.Max(0, offset - size));
        }

        return (page, links);
    }

    private string WithCursor(int offset)
    {
        var query = Http.Request.Query
            .Where(q => q.Key != "page[cursor]")
            .Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString()))
            .Append("page%5Bcursor%5D=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(offset.ToString(CultureInfo.InvariantCulture)))));
        return BaseUrl + Http.Request.Path + "?" + string.Join("&", query);
    }

    /// <summary>Throws a 400 with all <paramref name="errors"/> when there are any.</summary>
    public static void ThrowIfAny(List<KlaviyoApiError> errors)
    {
        if (errors.Count > 0)
        {
            throw new ApiProblemException(errors[0].Status, errors);
        }
    }
}
