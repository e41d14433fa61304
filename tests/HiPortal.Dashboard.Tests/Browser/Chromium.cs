using Microsoft.Playwright;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>
/// Debian's Chromium (apt: chromium), driven by Playwright's bundled driver: no browser download, and kept off the
/// network (no sandbox: the tests may run as root in a container).
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--no-first-run",
        ],
    });
}
