using HiPortal.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Dashboard.Tests.Components;

/// <summary>A SQLite file with the server's schema (its real migrations), deleted afterwards.</summary>
public sealed class TempDatabase : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hiportal-dashboard-tests", Guid.NewGuid().ToString("n"));

    private TempDatabase() => Directory.CreateDirectory(_directory);

    // No pooling: nothing keeps the file open once a test ends.
    public string ConnectionString => $"Data Source={Path.Combine(_directory, "hiportal.db")};Pooling=False";

    public static async Task<TempDatabase> CreateAsync()
    {
        var database = new TempDatabase();
        await using var db = database.Open();
        await db.Database.MigrateAsync();
        return database;
    }

    public HiPortalDb Open() => new(new DbContextOptionsBuilder<HiPortalDb>().UseSqlite(ConnectionString).Options);

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
