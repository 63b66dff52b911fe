using System.Diagnostics;
using System.IO.Compression;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Packaging;

/// <summary>
/// Packs the real package and builds a brand-new consumer project against it, as a user would: the package brings
/// the Abstractions, the generator, the analyzers and the code fixes; KLV2001 shows for an unmapped member and no KLV
/// diagnostic for a fully mapped model; the generated mapper runs. Offline: the consumer restores from a local feed
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

            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Program("int LoyaltyPoints"));
            var unmapped = await DotnetAsync(app, "build", "-c", "Release");
            Assert.True(unmapped.ExitCode == 0, unmapped.Output);
            Assert.Contains("warning KLV2001", unmapped.Output);
            Assert.Contains("'LoyaltyPoints'", unmapped.Output);

            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Program("[CustomProperty(\"loyalty_points\")] int LoyaltyPoints"));
            // -warnaserror: the generated mappers compile without a single warning in a brand-new project.
            var mapped = await DotnetAsync(app, "build", "-c", "Release", "-warnaserror");
            Assert.True(mapped.ExitCode == 0, mapped.Output);
            Assert.DoesNotContain("KLV", mapped.Output);
            Assert.False(File.Exists(Path.Combine(app, "bin", "Release", "net10.0", "Scriban.Signed.dll")), "Scriban must not leak into the consumer's output");

            var run = await DotnetAsync(app, "run", "-c", "Release", "--no-build");
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("\"loyalty_points\":7", run.Output);
            Assert.Contains("\"first_name\":\"Ada\"", run.Output);
        }
        finally
        {
            work.Delete(recursive: true);
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    private static string Program(string loyaltyMember) => $$"""
        using System.Buffers;
        using System.Text.Json;
        using Klaviyo.Destinations;
        using Klaviyo.Destinations.Mapping;

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
