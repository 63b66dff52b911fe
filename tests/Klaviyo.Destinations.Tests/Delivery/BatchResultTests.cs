using System.Text;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// The one classification of Klaviyo's answers (<see cref="BatchResult.From(ApiAnswer)"/>) that every sender uses:
/// which answers are delivered, retried later or rejected, with which reason, and when halving a batch can find the bad item.
/// </summary>
public sealed class BatchResultTests
{
    private const string RowErrors = """
        {"errors":[
          {"code":"invalid","title":"Invalid input.","detail":"'email' is not a valid email address.","source":{"pointer":"/data/attributes/profiles/data/1/attributes/email"}},
          {"code":"invalid","title":"Invalid input.","detail":"'phone_number' is not a valid phone number.","source":{"pointer":"/data/attributes/profiles/data/4/attributes/phone_number"}}
        ]}
        """;

    private static ApiAnswer Answer(int status, string? reason, string body = "", TimeSpan? retryAfter = null, string? failure = null) =>
        new(status, reason, Encoding.UTF8.GetBytes(body), retryAfter, failure);

    public static TheoryData<int, string> Successes() => new() { { 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" } };

    [Theory]
    [MemberData(nameof(Successes))]
    public void Any_2xx_is_delivered(int status, string phrase)
    {
        var result = BatchResult.From(Answer(status, phrase, """{"data":{"type":"profile","id":"01ABC"}}"""));
        Assert.Equal(BatchVerdict.Delivered, result.Verdict);
        Assert.Equal(status, result.StatusCode);
        Assert.Null(result.Reason);
        Assert.Empty(result.Rejections);
    }

    [Fact]
    public void A_400_with_row_errors_is_rejected_with_the_first_error_and_can_be_split()
    {
        var result = BatchResult.From(Answer(400, "Bad Request", RowErrors));
        Assert.Equal(BatchVerdict.Rejected, result.Verdict);
        Assert.Equal(400, result.StatusCode);
        Assert.Equal("Klaviyo answered 400 Bad Request: 'email' is not a valid email address.", result.Reason);
        Assert.Equal("/data/attributes/profiles/data/1/attributes/email", result.Field);
        Assert.True(result.Splittable);
        Assert.Null(result.RetryAfter);
    }

    [Fact]
    public void A_400_about_a_query_parameter_is_not_split_since_no_half_of_the_batch_would_pass()
    {
        var result = BatchResult.From(Answer(400, "Bad Request", """{"errors":[{"detail":"Invalid page size.","source":{"parameter":"page[size]"}}]}"""));
        Assert.Equal(BatchVerdict.Rejected, result.Verdict);
        Assert.Equal("page[size]", result.Field);
        Assert.False(result.Splittable);
    }

    [Theory]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "Forbidden")]
    public void A_refused_key_is_rejected_whole_and_never_split(int status, string phrase)
    {
        var answer = Answer(status, phrase, """{"errors":[{"detail":"Missing or invalid private key."}]}""");
        var result = BatchResult.From(answer);
        Assert.True(answer.RefusesKey);
        Assert.Equal(BatchVerdict.Rejected, result.Verdict);
        Assert.Equal($"Klaviyo answered {status} {phrase}: Missing or invalid private key.", result.Reason);
        Assert.False(result.Splittable);
    }

    [Fact]
    public void A_404_is_rejected_and_not_split()
    {
        var result = BatchResult.From(Answer(404, "Not Found", """{"errors":[{"detail":"A list with id 'nope' does not exist."}]}"""));
        Assert.Equal(BatchVerdict.Rejected, result.Verdict);
        Assert.Equal("Klaviyo answered 404 Not Found: A list with id 'nope' does not exist.", result.Reason);
        Assert.False(result.Splittable);
    }

    [Theory]
    [InlineData(409, "Conflict")]
    [InlineData(413, "Content Too Large")]
    [InlineData(422, "Unprocessable Entity")]
    public void Conflicts_oversized_and_unprocessable_batches_are_rejected_and_can_be_split(int status, string phrase)
    {
        var result = BatchResult.From(Answer(status, phrase));
        Assert.Equal(BatchVerdict.Rejected, result.Verdict);
        Assert.Equal($"Klaviyo answered {status} {phrase}", result.Reason);
        Assert.Null(result.Field);
        Assert.True(result.Splittable);
    }

    [Fact]
    public void A_429_is_retried_after_the_wait_Klaviyo_asked_for()
    {
        var result = BatchResult.From(Answer(429, "Too Many Requests", """{"errors":[{"detail":"Request was throttled."}]}""", TimeSpan.FromSeconds(17)));
        Assert.Equal(BatchVerdict.Retry, result.Verdict);
        Assert.Equal(429, result.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(17), result.RetryAfter);
        Assert.Equal("Klaviyo answered 429 Too Many Requests: Request was throttled.", result.Reason);
        Assert.False(result.Splittable);
    }

    [Theory]
    [InlineData(408, "Request Timeout")]
    [InlineData(500, "Internal Server Error")]
    [InlineData(502, "Bad Gateway")]
    [InlineData(503, "Service Unavailable")]
    public void Timeouts_and_5xx_are_retried(int status, string phrase)
    {
        var result = BatchResult.From(Answer(status, phrase, "<html>upstream error</html>"));
        Assert.Equal(BatchVerdict.Retry, result.Verdict);
        Assert.Equal($"Klaviyo answered {status} {phrase}", result.Reason);
        Assert.Null(result.RetryAfter);
    }

    [Fact]
    public void No_answer_is_retried_with_the_failure_as_reason()
    {
        var result = BatchResult.From(Answer(0, null, failure: "No answer from Klaviyo within 30 s."));
        Assert.Equal(BatchVerdict.Retry, result.Verdict);
        Assert.Equal(0, result.StatusCode);
        Assert.Equal("No answer from Klaviyo within 30 s.", result.Reason);
    }

    public static TheoryData<int, string> EveryRow() => new()
    {
        { 202, "" }, { 400, RowErrors }, { 401, "" }, { 403, "" }, { 404, "" }, { 409, "" }, { 413, "" }, { 422, "" }, { 429, "" }, { 500, "" }, { 0, "" },
    };

    [Theory]
    [MemberData(nameof(EveryRow))]
    public void The_per_item_sender_classifies_exactly_like_the_batch_senders(int status, string body)
    {
        var answer = Answer(status, status == 0 ? null : "Phrase", body, status == 429 ? TimeSpan.FromSeconds(3) : null, status == 0 ? "Connection refused." : null);
        var batch = BatchResult.From(answer);
        var single = KlaviyoHttpSender.Classify(answer);
        var expected = batch.Verdict switch { BatchVerdict.Delivered => SendStatus.Delivered, BatchVerdict.Retry => SendStatus.Retry, _ => SendStatus.Rejected };
        Assert.Equal(expected, single.Status);
        Assert.Equal(batch.StatusCode, single.StatusCode);
        Assert.Equal(batch.Reason, single.Reason);
        Assert.Equal(batch.Field, single.Field);
        Assert.Equal(batch.RetryAfter, single.RetryAfter);
    }
}
