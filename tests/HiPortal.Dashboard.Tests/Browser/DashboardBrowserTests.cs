using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>The dashboard in headless Chromium against the real server: what an operator and an admin see and do.</summary>
public sealed class DashboardBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private readonly HiPortalHost _app = fixture.App;
    private readonly IBrowser _browser = fixture.Browser;

    [Fact]
    public async Task Admin_WatchesSavingsLive_ChangesAFleetThreshold_AndSeesTheDeviceApplyIt()
    {
        var device = await _app.RegisterDeviceAsync("web-sensor", "lab");
        using var deviceClient = _app.CreateClient(device.Key);
        var page = await SignInAsync("admin", HiPortalHost.AdminPassword);

        // Overview: the tiles follow the live stream while the device sends offloads and telemetry.
        var bandwidth = page.Locator("#tile-bandwidth .tile-value");
        await Expect(bandwidth).ToHaveTextAsync("–");
        await DeviceTraffic.PostOffloadsAsync(deviceClient, "web", 12);
        await DeviceTraffic.PostTelemetryAsync(deviceClient, 1, (30, 2), (30, 3), (30, 3), (30, 4));
        await Expect(bandwidth).ToHaveTextAsync("90.0 %");
        await Expect(page.Locator("#tile-samples .tile-value")).ToHaveTextAsync("2.0");
        await Expect(page.Locator("#tile-offload .tile-value")).ToHaveTextAsync("10.0 %");
        // The charts reload at the stream's pace too: four ten-second buckets of bandwidth saved, the last 1 - 4/30.
        await Expect(page.Locator("#chart-bandwidth path.mud-chart-line")).ToHaveAttributeAsync("d", new Regex(@"^M \S+ \S+( L \S+ \S+){3}$"));
        await Expect(page.Locator("#chart-bandwidth .chart-latest")).ToHaveTextAsync("86.7 %");
        // MudBlazor's chart: a titled time axis with ticks, and the exact value of a bucket on hover.
        await Expect(page.Locator("#chart-bandwidth text.mud-charts-xaxis")).ToHaveTextAsync("time (UTC)");
        await Expect(page.Locator("#chart-bandwidth text.mud-charts-yaxis")).ToHaveTextAsync("bytes saved (%)");
        Assert.True(await page.Locator("#chart-bandwidth g.mud-charts-xaxis text").CountAsync() >= 2);
        await page.Locator("#chart-bandwidth circle.mud-chart-point[opacity='0']").Last.HoverAsync();
        await Expect(page.Locator("#chart-bandwidth g.mud-charts-tooltip")).ToContainTextAsync("86.7 %");
        await Screenshots.SaveAsync(page, "overview");

        // Thresholds: θ for the fleet, with a reason, after an explicit confirmation.
        await page.ClickAsync("#nav-thresholds");
        await page.FillAsync("#threshold-lab", "0.8");
        await page.FillAsync("#reason-lab", "fewer offloads on the night shift");
        await page.ClickAsync("#apply-lab");
        await Expect(page.Locator("#threshold-form-lab")).ToContainTextAsync("Set fleet lab to θ = 0.8");
        await page.ClickAsync("#confirm-lab");
        var snackbar = page.Locator(".mud-snackbar", new() { HasText = "fleet lab: θ = 0.8, 1 device(s) get a new version" });
        await Expect(snackbar).ToBeVisibleAsync();
        await Expect(page.Locator("#fleet-lab")).ToContainTextAsync("θ = 0.8");
        await Expect(page.Locator("#applied-lab")).ToContainTextAsync("0 of 1 applied, 1 pending");
        await Screenshots.SaveAsync(page, "thresholds");
        await snackbar.Locator("button").ClickAsync();
        await Expect(snackbar).ToHaveCountAsync(0);

        // Devices: pending until the device acknowledges, then applied, without reloading the page.
        await page.ClickAsync("a[href='devices']");
        var state = page.Locator($"span.config-state[data-device='{device.DeviceId}']");
        await Expect(state).ToHaveTextAsync("pending v2");
        await Screenshots.SaveAsync(page, "devices");
        Assert.Equal(2, await DeviceTraffic.AcknowledgeConfigAsync(deviceClient));
        await Expect(state).ToHaveTextAsync("applied v2");

        // Device page: its configuration as reported, and its decisions.
        await page.ClickAsync("#devices-table tbody tr:has-text('web-sensor')");
        await Expect(page.Locator("#device-config")).ToContainTextAsync("reported v2 applied");
        await Expect(page.Locator("#device-config")).ToContainTextAsync("θ = 0.8 (from fleet)");
        await Expect(page.Locator("#device-decisions tbody tr")).ToHaveCountAsync(12);
        await Screenshots.SaveAsync(page, "device");

        await page.ClickAsync("a[href='decisions']");
        await Expect(page.Locator("#decisions-table tbody tr")).ToHaveCountAsync(12);
        await Expect(page.Locator("#decisions-table")).ToContainTextAsync("web-11");
        await Screenshots.SaveAsync(page, "decisions");

        await page.ClickAsync("a[href='audit']");
        var change = page.Locator("#audit-table tbody tr", new() { HasText = "fleet.config" });
        await Expect(change).ToContainTextAsync("fewer offloads on the night shift");
        await Expect(change).ToContainTextAsync("admin");
        await Screenshots.SaveAsync(page, "audit");

        await page.ClickAsync("#nav-alarms");
        await Expect(page.Locator("#alarms-open-count")).ToContainTextAsync("open");
        await Screenshots.SaveAsync(page, "alarms");
    }

    [Fact]
    public async Task Operator_SeesNoThresholdLinkOrAdminControls()
    {
        var device = await _app.RegisterDeviceAsync("ops-sensor", "ops");
        (await _app.CreateOperatorAsync("olga")).Dispose();
        var page = await SignInAsync("olga", HiPortalHost.UserPassword);

        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync("olga (Operator)");
        await Expect(page.Locator("a[href='devices']")).ToBeVisibleAsync();
        await Expect(page.Locator("#nav-thresholds")).ToHaveCountAsync(0);

        // Opened directly (a full page load) and through the router (as a link inside the app would).
        await page.GotoAsync("thresholds");
        await Expect(page).ToHaveURLAsync(new Regex("/access-denied\\?ReturnUrl=%2Fthresholds$"));
        await Expect(page.GetByText("This page is for admins.")).ToBeVisibleAsync();
        await Expect(page.Locator("[id^='threshold-form-']")).ToHaveCountAsync(0);
        await page.GotoAsync("devices");
        // The table loads its rows only once the circuit is up: from here the router handles navigation.
        await Expect(page.Locator($"span.config-state[data-device='{device.DeviceId}']")).ToBeVisibleAsync();
        await page.EvaluateAsync("() => Blazor.navigateTo('thresholds')");
        await Expect(page).ToHaveURLAsync(new Regex("/thresholds$"));
        await Expect(page.GetByText("This page is for admins.")).ToBeVisibleAsync();
        await Expect(page.Locator("[id^='threshold-form-']")).ToHaveCountAsync(0);

        await page.GotoAsync($"devices/{device.DeviceId}");
        await Expect(page.Locator("#device-config")).ToContainTextAsync("θ = 0.65");
        await Expect(page.Locator("[id^='threshold-form-'], [id^='apply-']")).ToHaveCountAsync(0);
    }

    private async Task<IPage> SignInAsync(string username, string password)
    {
        var context = await _browser.NewContextAsync(new()
        {
            BaseURL = _app.HttpAddress.ToString(),
            ViewportSize = new() { Width = 1440, Height = 900 },
            Locale = "en-US",
        });
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, username, password);
        return page;
    }
}
