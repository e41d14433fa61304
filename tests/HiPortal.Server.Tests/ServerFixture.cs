namespace HiPortal.Server.Tests;

/// <summary>
/// One started server per test class with one device already registered. Subclasses override
/// <see cref="HostFixture.Options"/> for a differently tuned server.
/// </summary>
public class ServerFixture : HostFixture
{
    public HiPortalClient Anonymous { get; private set; } = null!;

    /// <summary>Signed in as the fixture's device.</summary>
    public DeviceClient DeviceClient { get; private set; } = null!;

    public CreatedDevice Device => DeviceClient.Device;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Anonymous = App.CreateAnonymousClient();
        DeviceClient = await App.CreateDeviceAsync();
    }

    public override async Task DisposeAsync()
    {
        DeviceClient?.Dispose();
        Anonymous?.Dispose();
        await base.DisposeAsync();
    }
}
