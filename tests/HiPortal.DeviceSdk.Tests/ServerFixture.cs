namespace HiPortal.DeviceSdk.Tests;

/// <summary>One server (HTTP, and HTTPS with its self-signed certificate for pinning) for every test that needs one.</summary>
public sealed class ServerFixture : HostFixture
{
    protected override HiPortalHostOptions Options => new() { Https = true };

    /// <summary>Registers a device named after <paramref name="fleet"/>, creating the fleet (with <paramref name="threshold"/>) first.</summary>
    public async Task<CreatedDevice> RegisterDeviceAsync(string fleet, double? threshold = null)
    {
        using var admin = await App.CreateAdminAsync();
        await admin.EnsureFleetAsync(new CreateFleetRequest(fleet, Threshold: threshold));
        return await admin.RegisterDeviceAsync($"{fleet}-device", fleet);
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
