using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>
/// A new admin on an empty database puts a device on the platform from the dashboard alone: a fleet, a device, its key
/// copied from the page, the shown curl command run as a real process against the real server over HTTPS with the
/// certificate pinned; then rotation and revocation, each seen refused by the server.
/// </summary>
public sealed class NewAdminBrowserTests(HttpsBrowserFixture fixture) : IClassFixture<HttpsBrowserFixture>
{
    private readonly HiPortalHost _app = fixture.App;

    [Fact]
    public async Task NewAdmin_CreatesAFleet_RegistersADevice_RunsTheCurlSnippet_ThenRotatesAndRevokes()
    {
        var page = await SignInAsync();

        // Nothing yet: the devices page says what to do next.
        await page.ClickAsync("a[href='devices']");
        await Expect(page.Locator("#devices-empty")).ToContainTextAsync("No devices yet. Register one above");

        // A fleet.
        await page.ClickAsync("#nav-fleets");
        await page.FillAsync("#new-fleet-name", "plant");
        await page.FillAsync("#new-fleet-reason", "first line");
        await page.ClickAsync("#create-fleet-button");
        await Expect(page.Locator("#fleets-table tr[data-fleet='plant']")).ToContainTextAsync("0 of 0");
        await Screenshots.SaveAsync(page, "fleets");

        // A device in it; its key is shown once and copied from the page.
        await page.ClickAsync("a[href='devices']");
        await page.FillAsync("#new-device-name", "press-1");
        await page.Locator("#register-device div.mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "plant" }).ClickAsync();
        await page.ClickAsync("#register-device-button");
        var key = await CopyAsync(page, "#copy-key", "key");
        Assert.StartsWith("hpk_", key, StringComparison.Ordinal);
        await Expect(page.Locator("#device-key")).ToHaveTextAsync(key);
        var curl = await CopyAsync(page, "#copy-curl", "curl command");
        Assert.Contains(key, curl, StringComparison.Ordinal);
        Assert.Contains($"--pinnedpubkey 'sha256//", curl, StringComparison.Ordinal);
        Assert.Contains(_app.HttpsAddress.ToString(), curl, StringComparison.Ordinal);
        await Expect(page.Locator("#snippet-sdk")).ToContainTextAsync("ServerCertificateThumbprint = \"");

        // The snippet as a user runs it: the server answers the offload, and the dashboard shows the device online.
        var first = await ShellCommand.RunAsync(curl);
        Assert.True(first.ExitCode == 0, $"curl failed ({first.ExitCode}): {first.Error} {first.Output}");
        Assert.Contains("\"predictedClass\"", first.Output, StringComparison.Ordinal);
        var row = page.Locator("#devices-table tbody tr", new() { HasText = "press-1" });
        await Expect(row).ToContainTextAsync("online");
        await Screenshots.SaveAsync(page, "devices-register");
        await row.ClickAsync();
        await Expect(page.Locator("#device-decisions tbody tr")).ToHaveCountAsync(1);

        // Rotation: a new key shown once; the old one revoked after a confirmation, then refused.
        await page.ClickAsync("#rotate-key");
        var reveal = page.Locator("#device-admin #device-key");
        await Expect(reveal).Not.ToHaveTextAsync(key);
        var newKey = await reveal.InnerTextAsync();
        var newCurl = await page.Locator("#device-admin #snippet-curl").InnerTextAsync();
        var oldKeyId = key[4..16];
        await page.ClickAsync($"#revoke-key-{oldKeyId}");
        await Expect(page.Locator("#confirm-message")).ToContainTextAsync($"Key {oldKeyId} stops working at once");
        await page.FillAsync("#confirm-reason", "rotated after install");
        await page.ClickAsync("#confirm-ok");
        await Expect(page.Locator($"#device-keys tr[data-key='{oldKeyId}']")).ToContainTextAsync("revoked");
        await Screenshots.SaveAsync(page, "device-keys");
        await AssertRefusedAsync(curl);
        var rotated = await ShellCommand.RunAsync(newCurl);
        Assert.True(rotated.ExitCode == 0, $"curl with the new key failed ({rotated.ExitCode}): {rotated.Error}");
        Assert.Contains(newKey, newCurl, StringComparison.Ordinal);

        // Revoking the device, confirmed, refuses its remaining key too.
        await page.ClickAsync("#revoke-device");
        await page.ClickAsync("#confirm-ok");
        await Expect(page.Locator("#rotate-key")).ToHaveCountAsync(0);
        await AssertRefusedAsync(newCurl);

        // Audited as the API audits: the same actions, by this admin, with the reasons typed.
        var audit = await _app.Database.QueryAsync("SELECT \"Action\", \"Actor\", \"Reason\" FROM \"Audit\" ORDER BY \"Id\"",
            r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
        (string, string, string?)[] expected =
        [
            ("fleet.create", "admin", "first line"), ("device.create", "admin", null), ("key.rotate", "admin", null),
            ("key.revoke", "admin", "rotated after install"), ("device.revoke", "admin", null),
        ];
        Assert.Equal(expected, audit.Where(a => a.Item1.Split('.')[0] is "fleet" or "device" or "key").ToList());
    }

    [Fact]
    public async Task Admin_CreatesAnOperator_ChangesTheRole_AndDisablesThemAfterConfirming()
    {
        var page = await SignInAsync();
        await page.ClickAsync("#nav-users");
        await Expect(page.Locator("#create-user-button")).ToBeEnabledAsync();
        await page.FillAsync("#new-user-name", "otto");
        await page.FillAsync("#new-user-password", "short");
        await page.ClickAsync("#create-user-button");
        // The API's password policy, as its message.
        await Expect(page.Locator("#create-user")).ToContainTextAsync($"at least {Server.Identity.PasswordPolicy.MinLength} characters");
        await page.FillAsync("#new-user-password", HiPortalHost.UserPassword);
        await page.ClickAsync("#create-user-button");
        var row = page.Locator("#users-table tr[data-user='otto']");
        await Expect(row).ToContainTextAsync("Operator");
        await page.ClickAsync("#role-otto");
        await Expect(row).ToContainTextAsync("Admin");
        await page.ClickAsync("#disable-otto");
        await Expect(page.Locator("#confirm-message")).ToContainTextAsync("otto is signed out at once");
        await page.ClickAsync("#confirm-ok");
        await Expect(row).ToContainTextAsync("disabled");
        await Screenshots.SaveAsync(page, "users");

        using var anonymous = _app.CreateAnonymousClient();
        var refused = await anonymous.PostAsJsonAsync(Routes.Token, new { username = "otto", password = HiPortalHost.UserPassword });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(1L, await _app.Database.CountAsync("SELECT COUNT(*) FROM \"Audit\" WHERE \"Action\" = 'user.disable' AND \"Target\" = 'otto' AND \"Actor\" = 'admin'"));
    }

    private async Task<IPage> SignInAsync()
    {
        var context = await fixture.Browser.NewContextAsync(new()
        {
            BaseURL = _app.HttpAddress.ToString(),
            ViewportSize = new() { Width = 1440, Height = 900 },
            Locale = "en-US",
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, "admin", HiPortalHost.AdminPassword);
        return page;
    }

    /// <summary>
    /// Copies with <paramref name="button"/> and reads the clipboard once the snackbar names <paramref name="what"/>:
    /// an earlier copy's snackbar may still be showing, and reading on that one raced the second copy.
    /// </summary>
    private static async Task<string> CopyAsync(IPage page, string button, string what)
    {
        await page.ClickAsync(button);
        await Expect(page.Locator(".mud-snackbar", new() { HasText = $"Copied the {what}" }).Last).ToBeVisibleAsync();
        return await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
    }

    private static async Task AssertRefusedAsync(string curl)
    {
        var refused = await ShellCommand.RunAsync(curl);
        // --fail-with-body: exit 22 on an HTTP error, which -sS names on stderr.
        Assert.True(refused.ExitCode == 22, $"expected a refusal, got exit {refused.ExitCode}: {refused.Output}");
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
    }
}
