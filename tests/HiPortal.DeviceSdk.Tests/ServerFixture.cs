namespace HiPortal.DeviceSdk.Tests;

/// <summary>One server for every test that needs one (starting it loads the large model: seconds, not milliseconds).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServerApp App { get; } = new();

    public Task InitializeAsync() => App.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
