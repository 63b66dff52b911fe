namespace Klaviyo.Destinations.Tests.OfficialSdk;

/// <summary>
/// A fact that needs Node.js and npm. Skipped with a reason when they are not on the PATH — except under CI=true,
/// where it runs (and fails) so that a missing install step in .ci/run cannot hide behind a skip.
/// </summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeProject.FindOnPath("node") is null || NodeProject.FindOnPath("npm") is null)
        {
            if (!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Skip = "Node.js and npm are not on the PATH (install Node 20+ to run Klaviyo's official SDK against the emulator).";
            }
        }
    }
}
