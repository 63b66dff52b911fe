using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations;

/// <summary>Validates <see cref="KlaviyoDestinationOptions"/> for the options system, reporting every problem at once.</summary>
internal sealed class KlaviyoOptionsValidator : IValidateOptions<KlaviyoDestinationOptions>
{
    public ValidateOptionsResult Validate(string? name, KlaviyoDestinationOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
