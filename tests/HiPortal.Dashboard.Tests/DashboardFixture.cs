namespace HiPortal.Dashboard.Tests;

/// <summary>One started server per test class, with a live stream fast enough for tests.</summary>
public class DashboardFixture : HostFixture
{
    // Five snapshots a second: a test sees its data on the stream within a fraction of a second.
    protected override HiPortalHostOptions Options => new() { Settings = new Dictionary<string, string?> { ["Live:Interval"] = "00:00:00.200" } };
}
