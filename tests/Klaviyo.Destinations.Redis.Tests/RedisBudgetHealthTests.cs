namespace Klaviyo.Destinations.Redis.Tests;

/// <summary>The health description of a budget with endpoints on their fallback stays one short line, however many endpoints there are.</summary>
public sealed class RedisBudgetHealthTests
{
    private const string Head = "Redis unreachable for 12 s (connection refused: 127.0.0.1:6390); on the local fallback share: ";

    [Fact]
    public void The_line_lists_the_endpoints_that_fit_and_counts_the_rest()
    {
        Assert.Equal(Head + "/api/events, /api/lists.", RedisBudgetHealth.Fit(Head, ["/api/events", "/api/lists"]));

        var many = Enumerable.Range(0, 30).Select(i => $"/api/endpoint-number-{i}").ToList();
        var line = RedisBudgetHealth.Fit(Head, many);
        Assert.InRange(line.Length, Head.Length, RedisBudgetHealth.MaxDescription);
        var shown = many.Count(e => line.Contains(e + ",", StringComparison.Ordinal) || line.Contains(e + " +", StringComparison.Ordinal));
        Assert.InRange(shown, 1, many.Count - 1);
        Assert.EndsWith($" +{many.Count - shown} more.", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_head_too_long_for_any_endpoint_counts_them_and_the_line_never_exceeds_the_limit()
    {
        var many = Enumerable.Range(0, 30).Select(i => $"/api/endpoint-number-{i}").ToList();
        var head = new string('x', 180);
        Assert.Equal(head + "30 endpoints.", RedisBudgetHealth.Fit(head, many));
        var longer = new string('x', 195);
        var cut = RedisBudgetHealth.Fit(longer, many);
        Assert.Equal(RedisBudgetHealth.MaxDescription, cut.Length);
        Assert.StartsWith(longer, cut, StringComparison.Ordinal);
    }
}
