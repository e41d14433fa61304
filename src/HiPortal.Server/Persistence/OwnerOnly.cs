namespace HiPortal.Server.Persistence;

/// <summary>
/// The data directory holds the database, the Data Protection key ring and the TLS key: nobody but the server's
/// own account should read them. On Unix, directories are made 0700 and files 0600 (tightened if they already
/// exist looser); on Windows, the directory's inherited ACL applies.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode DirectoryPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        Directory.CreateDirectory(path, DirectoryPermissions);
        if ((File.GetUnixFileMode(path) & ~DirectoryPermissions) != 0)
        {
            File.SetUnixFileMode(path, DirectoryPermissions);
        }

        return path;
    }

    /// <summary>Creates the file empty and owner-only unless it exists; an existing file is tightened to 0600.</summary>
    public static void EnsureFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(path))
        {
            try
            {
                using var _ = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = FilePermissions,
                });
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: tighten it below.
            }
        }

        if ((File.GetUnixFileMode(path) & ~FilePermissions) != 0)
        {
            File.SetUnixFileMode(path, FilePermissions);
        }
    }
}
