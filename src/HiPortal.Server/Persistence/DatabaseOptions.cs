using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>The database: the embedded SQLite file (default) or a shared PostgreSQL server.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// SQLite file; null: <c>hiportal.db</c> in the data directory. A relative path is under the working directory.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// SQLite: a file made by a build before incremental auto-vacuum is rewritten once at start-up (<c>VACUUM</c>, which
    /// takes about as long as copying the file and needs that much free disk) so that retention can give freed pages
    /// back. False skips the rewrite at this start, so a large file does not delay it; the server then logs that freed
    /// space stays inside the file, and the rewrite happens at the first start with this true.
    /// </summary>
    public bool RewriteOlderFile { get; set; } = true;

    /// <summary><c>Data:Directory</c>, read beside this section (see <see cref="DataDirectory"/>).</summary>
    internal string? DataDirectorySetting { get; set; }

    /// <summary><c>ConnectionStrings:Postgres</c>, required when <see cref="Provider"/> is Postgres.</summary>
    internal string? PostgresConnectionString { get; set; }

    public string FullPath() =>
        string.IsNullOrEmpty(Path) ? System.IO.Path.Combine(DataDirectory(), "hiportal.db") : System.IO.Path.GetFullPath(Path);

    /// <summary>
    /// The instance's data directory: <c>Data:Directory</c> (absolute, or relative to the working directory), else the
    /// folder of a configured <c>Database:Path</c>, else <c>data/</c> under the working directory. It holds the SQLite
    /// file, the key ring, the TLS key and the model repository, so each instance has its own secrets, and a rebuild,
    /// a Release run after a Debug run or a redeploy of the program folder all find the same data.
    /// </summary>
    public string DataDirectory() =>
        !string.IsNullOrEmpty(DataDirectorySetting) ? System.IO.Path.GetFullPath(DataDirectorySetting)
        : !string.IsNullOrEmpty(Path) ? System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!
        : System.IO.Path.GetFullPath("data");

    /// <summary>The SQLite connection string; creates the data directory and the database file owner-only first.</summary>
    public string ConnectionString()
    {
        var path = FullPath();
        OwnerOnly.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // SQLite gives the -wal and -shm files the main file's permissions, so creating it 0600 covers all three.
        OwnerOnly.EnsureFile(path);
        return $"Data Source={path};Pooling=True;Default Timeout=30";
    }

    /// <summary>The PostgreSQL connection string; a message naming the key when it is missing.</summary>
    public string PostgresConnection() => !string.IsNullOrWhiteSpace(PostgresConnectionString)
        ? PostgresConnectionString
        : throw new OptionsValidationException(Section, typeof(DatabaseOptions), [MissingPostgresConnection]);

    private const string MissingPostgresConnection = "Database:Provider is Postgres but ConnectionStrings:Postgres is not set";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(PostgresConnectionString))
        {
            yield return new ValidationResult(MissingPostgresConnection, ["ConnectionStrings:Postgres"]);
        }
    }

    /// <summary>Reads the keys outside the Database section into the options.</summary>
    public static void ReadOutsideSection(DatabaseOptions options, IConfiguration configuration)
    {
        options.DataDirectorySetting = configuration["Data:Directory"];
        options.PostgresConnectionString = configuration.GetConnectionString("Postgres");
    }

    /// <summary>The options as configured, for wiring done before the container is built.</summary>
    public static DatabaseOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        ReadOutsideSection(options, configuration);
        return options;
    }
}
