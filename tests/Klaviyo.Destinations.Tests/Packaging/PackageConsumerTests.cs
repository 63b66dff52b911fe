using System.Diagnostics;
using System.IO.Compression;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Packaging;

/// <summary>
/// Packs the real package and builds a brand-new consumer project against it, as a user would: the package brings
/// the Abstractions, the generator, the analyzers and the code fixes; KLV2001 shows for an unmapped member and no KLV
/// diagnostic for a fully mapped model; the generated mapper runs. Anonymous payloads (<c>Track(userId, "Order
/// Completed", new { … })</c>) are intercepted without any project edit (the package's build props opt the project in),
/// get KLV2001 on an unmapped member, and are delivered to a loopback emulator (also through the app's own generic
/// helper, whose shapes the generator registers); a plain class payload is a build error
/// (KLV2008). Offline: the consumer restores from a local feed
/// and the machine's package cache only.
/// </summary>
public sealed class PackageConsumerTests(ITestOutputHelper output)
{
    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Klaviyo.Destinations.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Repository root not found.");
    }

    private static string Configuration() => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

    private async Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine($"$ dotnet {string.Join(' ', args)} → {process.ExitCode}");
        return (process.ExitCode, text);
    }

    [Fact]
    public async Task A_new_project_referencing_the_package_gets_mappers_and_KLV_diagnostics()
    {
        var root = RepoRoot();
        var work = Directory.CreateTempSubdirectory("klaviyo-consumer-");
        var version = "0.1.0-test" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "klaviyo.destinations", version);
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var pack = await DotnetAsync(root, "pack", Path.Combine(root, "src", "Klaviyo.Destinations", "Klaviyo.Destinations.csproj"),
                "-c", Configuration(), "--no-build", "-o", feed, $"-p:PackageVersion={version}");
            Assert.True(pack.ExitCode == 0, pack.Output);

            using (var package = ZipFile.OpenRead(Path.Combine(feed, $"Klaviyo.Destinations.{version}.nupkg")))
            {
                var entries = package.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("lib/net10.0/Klaviyo.Destinations.dll", entries);
                Assert.Contains("lib/net10.0/Klaviyo.Destinations.Abstractions.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Klaviyo.Destinations.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Klaviyo.Destinations.Analyzers.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Klaviyo.Destinations.CodeFixes.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Scriban.Signed.dll", entries);
                Assert.Contains("build/Klaviyo.Destinations.props", entries);
                Assert.Contains("buildTransitive/Klaviyo.Destinations.props", entries);
            }

            var app = Path.Combine(work.FullName, "app");
            Directory.CreateDirectory(app);
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources><clear /><add key="local" value="{feed}" /></packageSources>
                </configuration>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                    <!-- The offline mirror lacks some exact lower bounds (Microsoft.Data.Sqlite 10.0.0, SQLitePCLRaw 2.1.11); NuGet takes the next patch. -->
                    <NoWarn>$(NoWarn);NU1603</NoWarn>
                  </PropertyGroup>
                  <ItemGroup><PackageReference Include="Klaviyo.Destinations" Version="{version}" /></ItemGroup>
                </Project>
                """);
            // Keep the repository's build settings out of the throwaway project.
            await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.props"), "<Project />");
            await File.WriteAllTextAsync(Path.Combine(app, "Directory.Packages.props"), "<Project />");

            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Program("int LoyaltyPoints", ", Age = 3"));
            var unmapped = await DotnetAsync(app, "build", "-c", "Release");
            Assert.True(unmapped.ExitCode == 0, unmapped.Output);
            Assert.Contains("warning KLV2001", unmapped.Output);
            Assert.Contains("'LoyaltyPoints'", unmapped.Output);
            // The anonymous Identify payload: KLV2001 on Age, and on nothing else of the anonymous calls.
            Assert.Contains("Trait 'Age' of 'anonymous type'", unmapped.Output);
            Assert.Equal(["Age", "LoyaltyPoints"], System.Text.RegularExpressions.Regex.Matches(unmapped.Output, "warning KLV2001: \\w+ '(\\w+)'")
                .Select(m => m.Groups[1].Value).Distinct().Order());

            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Program("[CustomProperty(\"loyalty_points\")] int LoyaltyPoints", ""));
            // -warnaserror: the generated mappers compile without a single warning in a brand-new project.
            var mapped = await DotnetAsync(app, "build", "-c", "Release", "-warnaserror");
            Assert.True(mapped.ExitCode == 0, mapped.Output);
            Assert.DoesNotContain("KLV", mapped.Output);
            Assert.False(File.Exists(Path.Combine(app, "bin", "Release", "net10.0", "Scriban.Signed.dll")), "Scriban must not leak into the consumer's output");

            await using (var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0 }))
            {
                var run = await DotnetAsync(app, "run", "-c", "Release", "--no-build", "--", klaviyo.BaseAddress.ToString());
                Assert.True(run.ExitCode == 0, run.Output);
                Assert.Contains("\"loyalty_points\":7", run.Output);
                Assert.Contains("\"first_name\":\"Ada\"", run.Output);
                Assert.DoesNotContain("outcome Rejected", run.Output);

                // The intercepted anonymous calls arrived as Klaviyo data.
                Assert.Empty(klaviyo.State.RejectedRequests);
                var ada = klaviyo.State.FindProfile("ada@example.com");
                Assert.NotNull(ada);
                Assert.Equal("user-42", ada.ExternalId);
                Assert.Equal("Ada", (string?)ada.Attributes["first_name"]);
                var events = klaviyo.State.EventsOf(ada.Id);
                Assert.Equal("o-1", Assert.Single(events, e => e.MetricName == "Placed Order").UniqueId);
                Assert.Equal("o-1_p-1", Assert.Single(events, e => e.MetricName == "Ordered Product").UniqueId);
                var signedUp = Assert.Single(events, e => e.MetricName == "Signed Up");
                Assert.Equal("pro", (string?)signedUp.Properties["Plan"]);
                Assert.Equal(3, (int?)signedUp.Properties["Seats"]);
            }

            // A plain class as payload would be rejected at run time: it is a build error instead.
            await File.WriteAllTextAsync(Path.Combine(app, "Plain.cs"), """
                public sealed class Plain { public string? Email { get; set; } }
                public static class PlainCalls
                {
                    public static void Run(Klaviyo.Destinations.Analytics analytics) => analytics.Identify("u", new Plain());
                }
                """);
            var plain = await DotnetAsync(app, "build", "-c", "Release");
            Assert.NotEqual(0, plain.ExitCode);
            Assert.Contains("error KLV2008", plain.Output);
        }
        finally
        {
            work.Delete(recursive: true);
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    private static string Program(string loyaltyMember, string anonymousExtra) => $$"""
        using System.Buffers;
        using System.Text.Json;
        using Klaviyo.Destinations;
        using Klaviyo.Destinations.Mapping;

        if (args.Length > 0)
        {
            await using var analytics = new Analytics(new KlaviyoDestinationOptions
            {
                ApiKey = "pk_consumer_test",
                BaseUrl = new Uri(args[0]),
                QueueStorage = QueueStorage.Memory,
                OnOutcome = o => Console.WriteLine($"outcome {o.Status} {o.Reason}"),
            });
            analytics.Identify("user-42", new { Email = "ada@example.com", FirstName = "Ada"{{anonymousExtra}} });
            analytics.Track("user-42", "Order Completed", new
            {
                OrderId = "o-1",
                Revenue = 25m,
                Currency = "USD",
                Products = new[] { new { ProductId = "p-1", Name = "Uno", Price = 25m, Quantity = 1 } },
            });
            // Through the app's own generic helper: the generator registers the shape's mapper (no rejection at run time).
            SignUp(analytics, "user-42", new { Plan = "pro", Seats = 3 });
            await analytics.FlushAsync();
        }

        static void SignUp<T>(Analytics analytics, string userId, T properties) => analytics.Track(userId, "Signed Up", properties);

        if (!KlaviyoMapperRegistry.TryGetProfileMapper<Customer>(out var mapper)) return 1;
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            var writer = new ProfileWriter();
            writer.Start(json);
            mapper.Map(new Customer("ada@example.com", "Ada", 7), writer);
            writer.Finish();
        }
        Console.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        return 0;

        [KlaviyoProfile]
        public sealed record Customer(string Email, string FirstName, {{loyaltyMember}});
        """;
}
