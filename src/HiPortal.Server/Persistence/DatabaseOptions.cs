using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Persistence;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>SQLite file; relative paths are under the content root's data/ folder.</summary>
    [Required]
    public string Path { get; set; } = "data/hiportal.db";

    public string FullPath(string contentRoot) => System.IO.Path.GetFullPath(Path, contentRoot);

    /// <summary>
    /// The instance's data directory: the folder the database lives in. The key ring and the TLS key live there too
    /// by default, so each database has its own secrets (not one set per program folder).
    /// </summary>
    public string DataDirectory(string contentRoot) => System.IO.Path.GetDirectoryName(FullPath(contentRoot))!;

    /// <summary>The connection string; creates the data directory and the database file owner-only first.</summary>
    public string ConnectionString(string contentRoot)
    {
        var path = FullPath(contentRoot);
        OwnerOnly.CreateDirectory(DataDirectory(contentRoot));
        // SQLite gives the -wal and -shm files the main file's permissions, so creating it 0600 covers all three.
        OwnerOnly.EnsureFile(path);
        return $"Data Source={path};Pooling=True;Default Timeout=30";
    }

    /// <summary>The options as configured, for wiring done before the container is built.</summary>
    public static DatabaseOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
}
