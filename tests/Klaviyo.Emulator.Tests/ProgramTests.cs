namespace Klaviyo.Emulator.Tests;

public sealed class ProgramTests
{
    [Fact]
    public void Standalone_flags_become_options()
    {
        var options = Program.Parse(
        [
            "--port", "5080", "--rate-limits", "off", "--time-scale", "60", "--job-delay-ms", "1500", "--fail-rate", "0.2",
            "--fail-status", "500", "--latency-ms", "50", "--reset-rate", "0.05", "--down-seconds", "30", "--api-key", "pk_a",
            "--list", "Y6nRLr=Newsletter", "--seed", "7",
        ]);

        Assert.Equal(5080, options.Port);
        Assert.False(options.RateLimitsEnabled);
        Assert.Equal(60, options.TimeScale);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.JobDelay);
        Assert.Equal(0.2, options.Faults.FailureRate);
        Assert.Equal(500, options.Faults.FailureStatusCode);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.Faults.Latency);
        Assert.Equal(0.05, options.Faults.ResetRate);
        Assert.NotNull(options.Faults.DownUntil);
        Assert.Equal(["pk_a"], options.ValidApiKeys!);
        Assert.Equal("Newsletter", options.Lists["Y6nRLr"]);
        Assert.Equal(7, options.RandomSeed);
    }

    [Fact]
    public void Defaults_are_port_5080_with_real_rate_limits()
    {
        var options = Program.Parse([]);
        Assert.Equal(5080, options.Port);
        Assert.True(options.RateLimitsEnabled);
        Assert.Equal(EmulatorFaults.None, options.Faults);
    }

    [Theory]
    [InlineData("--rate-limits", "sometimes")]
    [InlineData("--time-scale", "0")]
    [InlineData("--bogus", "1")]
    public void Bad_flags_are_rejected(string name, string value) =>
        Assert.Throws<ArgumentException>(() => Program.Parse([name, value]));
}
