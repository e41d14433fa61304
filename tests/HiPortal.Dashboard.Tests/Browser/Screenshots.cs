using Microsoft.Playwright;

namespace HiPortal.Dashboard.Tests.Browser;

/// <summary>
/// Each page's screenshot goes to the test output (screenshots/, the CI artifact). With HIPORTAL_UPDATE_SCREENSHOTS=1
/// it is also copied to the repository's wwwroot/docs/screenshots/, where the README shows them; a plain test run
/// leaves the source tree alone.
/// </summary>
public static class Screenshots
{
    public static string OutputDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(OutputDirectory);
        var path = Path.Combine(OutputDirectory, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        if (Environment.GetEnvironmentVariable("HIPORTAL_UPDATE_SCREENSHOTS") == "1" && DocsDirectory() is { } docs)
        {
            Directory.CreateDirectory(docs);
            File.Copy(path, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    private static string? DocsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HiPortal.sln")))
            {
                return Path.Combine(dir.FullName, "wwwroot", "docs", "screenshots");
            }
        }

        return null;
    }
}
