namespace HiPortal.Dashboard.Tests;

/// <summary>One started server per test class (through <see cref="IClassFixture{TFixture}"/>).</summary>
public class DashboardFixture : IAsyncLifetime
{
    public DashboardApp App { get; } = new();

    public virtual Task InitializeAsync() => App.StartAsync();

    public virtual async Task DisposeAsync() => await App.DisposeAsync();
}
