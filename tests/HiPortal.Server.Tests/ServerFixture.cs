namespace HiPortal.Server.Tests;

/// <summary>
/// One started server per test class (through <see cref="IClassFixture{TFixture}"/>) with one device already
/// registered. Subclasses override <see cref="Settings"/> for a differently tuned server.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    public HiPortalApp App { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public HiPortalApp.DeviceCredentials Device { get; private set; } = null!;

    /// <summary>Authenticated as <see cref="Device"/>.</summary>
    public HttpClient DeviceClient { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        App = new HiPortalApp(Settings);
        Anonymous = await App.StartAsync();
        Device = await App.CreateDeviceAsync();
        DeviceClient = App.CreateDeviceClient(Device);
    }

    public async Task DisposeAsync()
    {
        DeviceClient?.Dispose();
        Anonymous?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
