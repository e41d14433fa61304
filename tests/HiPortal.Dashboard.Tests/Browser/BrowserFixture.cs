using Microsoft.Playwright;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>The server and one headless Chromium for a test class; each test opens its own browser context.</summary>
public class BrowserFixture : DashboardFixture
{
    /// <summary>
    /// How long a page action or an expectation may wait (ms). CI runs the test projects side by side on 2 cores,
    /// Chromium beside the server suite, where a sign-in once took over 15 s; a passing test never waits it out.
    /// </summary>
    public const float Timeout = 30_000;

    private IPlaywright? _playwright;

    /// <summary>
    /// Waits until the page's circuit has taken over from the prerendered HTML (the layout's marker). A click before
    /// then can be lost, and navigating away before the circuit opens can leave the next page never interactive.
    /// </summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        Assertions.Expect(page.Locator("#circuit-state")).ToHaveAttributeAsync("data-live", "true");

    /// <summary>Signs in on the login page and returns once the overview is shown and its circuit is live.</summary>
    public static async Task SignInAsync(IPage page, string username, string password)
    {
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync("login");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        // The URL alone, not the new document's load event: under load that can come long after the page is usable.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^[^?#]*://[^/]+/$"));
        await Assertions.Expect(page.Locator("#savings-tiles")).ToBeVisibleAsync();
        await WaitForCircuitAsync(page);
    }

    public IBrowser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        // Server-side rendering, a circuit and a snapshot tick lie between an action and what the page shows.
        Assertions.SetDefaultExpectTimeout(Timeout);
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
