using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Finds the Klaviyo profile ids that list changes and deletions take: from the <see cref="ProfileIdCache"/>, else from
/// one <c>GET /api/profiles?filter=any(email,[…])</c> per 100 emails (external id or phone number for people without
/// one), else (list additions only) by creating the profile with <c>/api/profile-import</c>.
/// </summary>
internal sealed class ProfileIdLookup
{
    private readonly KlaviyoTransport _transport;
    private readonly ProfileIdCache _ids;
    private readonly ILogger _logger;

    public ProfileIdLookup(KlaviyoTransport transport, ProfileIdCache ids, ILogger logger)
    {
        _transport = transport;
        _ids = ids;
        _logger = logger;
    }

    /// <summary>
    /// Fills <paramref name="ids"/> for the items in <paramref name="which"/>: cache, then look-ups (email, else external id, else phone), then (when
    /// <paramref name="create"/>) profile creation. Items that cannot be resolved are settled (rejected or skipped).
    /// Returns a result only when the whole batch must stop (retry, or a failure that is not about one item).
    /// </summary>
    public async Task<BatchResult?> ResolveAsync(Batch batch, List<int> which, string?[] ids, bool create,
        Dictionary<int, ItemRejection> settled, HashSet<int> rejected, CancellationToken cancellationToken, bool useCache = true)
    {
        var items = batch.Items;
        var missing = new List<(int Index, string Field, string Value)>();
        var cached = 0;
        foreach (var i in which)
        {
            var who = ProfileIdentifiers.Read(items[i].Item.Profile);
            // Email identifies audience members; computed audiences may name people by external id or phone instead.
            var (field, value) = who.Email is { } e ? ("email", e) : who.ExternalId is { } x ? ("external_id", x) : who.PhoneNumber is { } p ? ("phone_number", p) : ("", null);
            if (who.Id is { } known)
            {
                ids[i] = known;
            }
            else if (value is null)
            {
                settled[i] = new ItemRejection(i, "A list membership change needs the person's email (mParticle's rule: email identifies audience members).", "email");
                rejected.Add(i);
            }
            else if (useCache && _ids.TryGet(field, value, out var id))
            {
                ids[i] = id;
                cached++;
            }
            else
            {
                missing.Add((i, field, value));
            }
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in missing.GroupBy(m => m.Field))
        {
            var values = group.Select(m => m.Value).Distinct(group.Key == "email" ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal).ToList();
            for (var start = 0; start < values.Count; start += AudienceBatching.MaxLookupPerCall)
            {
                var chunk = values.GetRange(start, Math.Min(AudienceBatching.MaxLookupPerCall, values.Count - start));
                var failure = await LookUpAsync(group.Key, chunk, found, cancellationToken).ConfigureAwait(false);
                if (failure is not null) return failure;
            }
        }

        var created = 0;
        foreach (var (i, field, value) in missing)
        {
            if (found.TryGetValue(FoundKey(field, value), out var id))
            {
                ids[i] = id;
                continue;
            }
            if (!create)
            {
                settled[i] = new ItemRejection(i, $"Klaviyo has no profile with {field} {value}, so it is in no list; nothing to remove.", null);
                continue;
            }
            var answer = await _transport.SendAsync(KlaviyoEndpoint.ProfileImport, new Uri(_transport.BaseUrl, KlaviyoPaths.PathOf(KlaviyoEndpoint.ProfileImport)),
                RequestComposer.SingleBody(items[i].Item), cancellationToken).ConfigureAwait(false);
            if (answer.IsSuccess && _ids.RememberAnswer(answer.Body) is { } newId)
            {
                ids[i] = newId;
                found[FoundKey(field, value)] = newId;
                created++;
                continue;
            }
            var errors = ApiError.ReadAll(answer.Body);
            var first = errors.FirstOrDefault();
            if (answer.IsSuccess)
                return new BatchResult(BatchVerdict.Retry, answer.Status, answer.Describe(first?.Detail ?? "no profile id in the answer"), first?.Pointer, answer.RetryAfter);
            var result = BatchResult.From(answer, errors);
            if (result.Verdict == BatchVerdict.Retry) return result;
            if (answer.RefusesKey) return result;
            settled[i] = new ItemRejection(i, $"The profile could not be created before adding it to the list: {answer.Describe(first?.Detail)}", first?.Pointer);
            rejected.Add(i);
        }
        AudienceLog.Resolved(_logger, cached, missing.Count - created, created, batch.ToString());
        return null;
    }

    /// <summary>One <c>GET /api/profiles?filter=any(field,[…])</c>; remembers every profile found (keys <c>field:value</c> in <paramref name="found"/>).</summary>
    private async Task<BatchResult?> LookUpAsync(string field, List<string> values, Dictionary<string, string> found, CancellationToken cancellationToken)
    {
        var query = $"{KlaviyoPaths.PathOf(KlaviyoEndpoint.GetProfiles)}?filter={Uri.EscapeDataString(AnyFilter(field, values))}&page%5Bsize%5D={AudienceBatching.MaxLookupPerCall}";
        var (answer, resources) = await KlaviyoCollection.ReadPageAsync(_transport, KlaviyoEndpoint.GetProfiles, query, cancellationToken).ConfigureAwait(false);
        if (resources is null) return AudienceResults.Whole(answer);
        foreach (var resource in resources)
        {
            using var document = JsonDocument.Parse(resource);
            var root = document.RootElement;
            if (_ids.Remember(root) is { } id && root.TryGetProperty("attributes", out var attributes) &&
                attributes.ValueKind == JsonValueKind.Object && Mapping.JsonText.Member(attributes, field) is { } value)
                found[FoundKey(field, value)] = id;
        }
        return null;
    }

    /// <summary>
    /// The Klaviyo id of the profile with <paramref name="externalId"/>, from the cache or else one look-up. A null id
    /// comes with the look-up's answer: failed (not 2xx), or Klaviyo has no such profile.
    /// </summary>
    public async Task<(string? Id, ApiAnswer? Answer)> IdOfExternalIdAsync(string externalId, CancellationToken cancellationToken)
    {
        if (_ids.TryGet("external_id", externalId, out var cached)) return (cached, null);
        var query = $"{KlaviyoPaths.PathOf(KlaviyoEndpoint.GetProfiles)}?filter={Uri.EscapeDataString(AnyFilter("external_id", [externalId]))}";
        var (answer, resources) = await KlaviyoCollection.ReadPageAsync(_transport, KlaviyoEndpoint.GetProfiles, query, cancellationToken).ConfigureAwait(false);
        if (resources is null) return (null, answer);
        foreach (var resource in resources)
        {
            using var document = JsonDocument.Parse(resource);
            cached = _ids.Remember(document.RootElement) ?? cached;
        }
        return (cached, answer);
    }

    private static string FoundKey(string field, string value) => field == "email" ? "email:" + value.ToUpperInvariant() : field + ":" + value;

    /// <summary><c>any(field,["a","b"])</c>, the values quoted and escaped.</summary>
    internal static string AnyFilter(string field, IEnumerable<string> values)
    {
        var sb = new StringBuilder("any(").Append(field).Append(",[");
        var first = true;
        foreach (var value in values)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }
        return sb.Append("])").ToString();
    }
}
