using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Dashboard.Tests.Components;

/// <summary>A SQLite file with the server's schema (its real migrations), deleted afterwards.</summary>
public sealed class TempDatabase : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    // No pooling: nothing keeps the file open once a test ends.
    public string ConnectionString => $"Data Source={Path.Combine(_directory.Path, "hiportal.db")};Pooling=False";

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
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
