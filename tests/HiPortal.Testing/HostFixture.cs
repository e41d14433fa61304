using Xunit;

namespace HiPortal.Testing;

/// <summary>
/// One started server per test class (through <c>IClassFixture</c>) or collection: starting one loads the large model,
/// seconds rather than milliseconds. Subclasses override <see cref="Options"/> for a differently tuned server.
/// </summary>
public class HostFixture : IAsyncLifetime
{
    public HiPortalHost App { get; private set; } = null!;

    protected virtual HiPortalHostOptions Options => new();

    public virtual async Task InitializeAsync() => App = await HiPortalHost.StartAsync(Options);

    public virtual async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
