using Microsoft.Extensions.FileProviders;

namespace HiPortal.Server;

/// <summary>
/// The dashboard's web assets: Blazor's script, MudBlazor's files and the site CSS. A Release build run from its
/// build folder in Production served them as 200 with 0 bytes (static web assets are only read in Development), so
/// the dashboard had no circuit. Now a build folder uses its static web assets manifest in every environment, a
/// published folder its wwwroot/, and a server with neither stops at start with a message saying what to do.
/// </summary>
public static class WebAssets
{
    public const string RuntimeManifest = "HiPortal.Server.staticwebassets.runtime.json";

    /// <summary>Files the dashboard cannot work without.</summary>
    public static readonly string[] Required = ["_framework/blazor.web.js", "_content/MudBlazor/MudBlazor.min.css", "_content/MudBlazor/MudBlazor.min.js", "css/hiportal.css"];

    /// <summary>Reads the build folder's static web assets manifest outside Development too, when there is one.</summary>
    public static void UseBuildFolderAssets(WebApplicationBuilder builder)
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, RuntimeManifest);
        if (!builder.Environment.IsDevelopment() && File.Exists(manifest))
        {
            builder.WebHost.UseSetting(WebHostDefaults.StaticWebAssetsKey, manifest);
            builder.WebHost.UseStaticWebAssets();
        }
    }

    /// <summary>Throws, naming the missing files and the fix, unless every required asset can be served with content.</summary>
    public static void EnsurePresent(IFileProvider webRoot)
    {
        var missing = Required.Where(path => webRoot.GetFileInfo(path) is not { Exists: true, Length: > 0 }).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The dashboard's web assets are missing ({string.Join(", ", missing)}). Run the server from the output of " +
                "'dotnet publish src/HiPortal.Server -c Release -o <folder>' (see scripts/publish.sh), or from its build folder " +
                $"with {RuntimeManifest} beside it.");
        }
    }
}
