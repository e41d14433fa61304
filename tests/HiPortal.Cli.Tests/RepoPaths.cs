namespace HiPortal.Cli.Tests;

/// <summary>Paths in the source tree, found by walking up from the test binaries to HiPortal.sln.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The committed models/ directory (the binaries carry copies of it).</summary>
    public static string Models => Path.Combine(Root, "models");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HiPortal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"HiPortal.sln not found above {AppContext.BaseDirectory}");
    }
}
