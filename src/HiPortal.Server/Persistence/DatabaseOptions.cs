using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Persistence;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>SQLite file; relative paths are under the content root's data/ folder.</summary>
    [Required]
    public string Path { get; set; } = "data/hiportal.db";

    public string ConnectionString(string contentRoot)
    {
        var path = System.IO.Path.IsPathRooted(Path) ? Path : System.IO.Path.Combine(contentRoot, Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        return $"Data Source={path};Pooling=True;Default Timeout=30";
    }
}
