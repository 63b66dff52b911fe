using System.CommandLine;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>The options that choose the Klaviyo account and settings, shared by <c>send</c> and <c>drain</c>.</summary>
internal sealed class SettingsOptions
{
    public Option<string?> Settings { get; } = new("--settings")
    {
        Description = "settings JSON: an app's appsettings.json (its Klaviyo section) or a file of settings only; KLAVIYO__Name environment variables override it",
        HelpName = "FILE",
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "override one setting (repeatable), e.g. --set DefaultListId=Y6nRLr or --set RateLimits:Events:PerSecond=100",
        HelpName = "NAME=VALUE",
    };

    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "Klaviyo private key (default: Klaviyo:ApiKey, KLAVIYO__ApiKey or KLAVIYO_API_KEY)", HelpName = "KEY" };

    public Option<string?> BaseUrl { get; } = new("--base-url") { Description = "Klaviyo address (default: https://a.klaviyo.com, or KLAVIYO_BASE_URL)", HelpName = "URL" };

    public void AddTo(Command command)
    {
        command.Options.Add(Settings);
        command.Options.Add(Set);
        command.Options.Add(ApiKey);
        command.Options.Add(BaseUrl);
    }

    /// <summary>The settings, with <paramref name="extra"/> command-line overrides (highest precedence) added.</summary>
    public KlaviyoDestinationOptions Load(ParseResult result, params (string Name, string? Value)[] extra)
    {
        var overrides = SettingsLoader.ParseSets(result.GetValue(Set) ?? []).ToList();
        if (result.GetValue(ApiKey) is { } key) overrides.Add(new("ApiKey", key));
        if (result.GetValue(BaseUrl) is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out _)) throw new UsageException($"--base-url '{url}' is not an absolute URL.");
            overrides.Add(new("BaseUrl", url));
        }
        foreach (var (name, value) in extra) overrides.Add(new(name, value));
        return SettingsLoader.Load(result.GetValue(Settings), overrides);
    }

    /// <summary>
    /// The library's own validation (the messages an app gets at startup), as a usage error. A missing key also says how
    /// the command line takes one.
    /// </summary>
    public static void Validate(KlaviyoDestinationOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (KlaviyoConfigurationException ex)
        {
            var hint = string.IsNullOrWhiteSpace(options.ApiKey) ? " For klaviyo-dest: pass --api-key, set KLAVIYO_API_KEY or KLAVIYO__ApiKey, or use --dry-run to see the requests without sending." : "";
            throw new UsageException(ex.Message + hint);
        }
    }
}
