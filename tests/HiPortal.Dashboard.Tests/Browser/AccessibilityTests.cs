using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>axe-core in real Chromium: no serious or critical violation on any dashboard page, for an admin with data.</summary>
public sealed class AccessibilityTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private readonly HiPortalHost _app = fixture.App;

    [Fact]
    public async Task EveryPage_HasNoSeriousOrCriticalViolations()
    {
        var device = await _app.RegisterDeviceAsync("axe-sensor", "axe");
        using (var deviceClient = _app.CreateClient(device.Key))
        {
            await DeviceTraffic.PostOffloadsAsync(deviceClient, "axe", 6);
        }

        using (var admin = await _app.CreateAdminAsync())
        {
            await admin.CreateRolloutAsync(new CreateRolloutRequest("axe", Threshold: 0.7, Stages: [new(100, MinSoakSeconds: 600, MinSamples: 100)]));
        }

        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = _app.HttpAddress.ToString(), Locale = "en-US" });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(BrowserFixture.Timeout);
        await page.GotoAsync("login");
        var failures = new List<string>();
        await CheckAsync(page, "login", failures);
        await page.FillAsync("#username", "admin");
        await page.FillAsync("#password", HiPortalHost.AdminPassword);
        await page.ClickAsync("#sign-in");
        await Expect(page.Locator("#savings-tiles")).ToBeVisibleAsync();
        await BrowserFixture.WaitForCircuitAsync(page);

        foreach (var (path, ready) in new[]
        {
            ("", "#savings-tiles"),
            // Pages with admin controls are checked once live: until the circuit takes over, their controls are
            // disabled (greyed labels), which is not what a user reads.
            ("devices", "#register-device-button:enabled"),
            ($"devices/{device.DeviceId}", "#revoke-device:enabled"),
            ("thresholds", "#threshold-form-axe"),
            ("decisions", "#decisions-table tbody tr"),
            ("audit", "#audit-table tbody tr"),
            ("fleets", "#create-fleet-button:enabled"),
            ("users", "#create-user-button:enabled"),
            ("alarms", "#alarms-open-count"),
            ("rollouts", "#rollout-stages"),
        })
        {
            await page.GotoAsync(path);
            await BrowserFixture.WaitForCircuitAsync(page);
            await Expect(page.Locator(ready).First).ToBeVisibleAsync();
            await CheckAsync(page, "/" + path, failures);
            if (path == "rollouts")
            {
                // The one page here that shows a rollout (created above): its README screenshot.
                await Screenshots.SaveAsync(page, path);
            }
        }

        // The admin panels that open on demand: fleet settings, a new key with its snippets, a confirmation dialog.
        await page.GotoAsync("fleets");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("#edit-fleet-axe");
        await Expect(page.Locator("#fleet-settings-axe")).ToBeVisibleAsync();
        await CheckAsync(page, "/fleets (settings)", failures);
        await page.GotoAsync("devices");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Expect(page.Locator($"span.config-state[data-device='{device.DeviceId}']")).ToBeVisibleAsync();
        await page.FillAsync("#new-device-name", "axe-second");
        await page.ClickAsync("#register-device-button");
        await Expect(page.Locator("#snippet-curl")).ToBeVisibleAsync();
        await CheckAsync(page, "/devices (new key)", failures);
        await page.GotoAsync($"devices/{device.DeviceId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("#revoke-device");
        await Expect(page.Locator("#confirm-message")).ToBeVisibleAsync();
        await CheckAsync(page, "/devices/{id} (confirm)", failures);
        await page.ClickAsync("#confirm-cancel");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static async Task CheckAsync(IPage page, string name, List<string> failures)
    {
        // MudBlazor fades a label's colour when its control turns enabled (the circuit taking over): axe reading
        // mid-transition saw a half-grey label. Every running CSS transition ends first (transitions end; an
        // animation such as a spinner may not, so those are left alone).
        await page.EvaluateAsync(
            "() => Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition).map(a => a.finished.catch(() => null)))");
        var results = await page.RunAxe();
        failures.AddRange(results.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{name}: {v.Id} ({v.Impact}): {v.Help} at " +
                string.Join("; ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html}"))));
    }
}
