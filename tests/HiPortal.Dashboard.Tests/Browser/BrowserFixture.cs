using Microsoft.Playwright;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>The server and one headless Chromium for a test class; each test opens its own browser context.</summary>
public class BrowserFixture : DashboardFixture
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        // Server-side rendering, a circuit and a snapshot tick lie between an action and what the page shows.
        Assertions.SetDefaultExpectTimeout(15_000);
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The browser fixture's server with its HTTPS listener too, as devices reach it (a self-signed certificate they pin).</summary>
public sealed class HttpsBrowserFixture : BrowserFixture
{
    protected override HiPortalHostOptions Options => base.Options with { Https = true };
}
