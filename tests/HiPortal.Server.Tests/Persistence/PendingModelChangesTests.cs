using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>
/// Each provider's model equals what its last migration built. A model change without its migration makes EF Core
/// refuse to start the server; merging three branches' migrations once left exactly that, and only a server start
/// found it. These say it in a second, and neither needs a database: the comparison is against the migrations'
/// snapshot.
/// </summary>
public sealed class PendingModelChangesTests
{
    [Fact]
    public void SqliteModel_HasNoChangesItsMigrationsLack()
    {
        using var db = new HiPortalDb(new DbContextOptionsBuilder<HiPortalDb>().UseSqlite("Data Source=:memory:").Options);

        Assert.False(db.Database.HasPendingModelChanges(),
            "the SQLite model differs from migrations/Sqlite: add a migration (README: Several instances on PostgreSQL, Migrations)");
    }

    [Fact]
    public void PostgresModel_HasNoChangesItsMigrationsLack()
    {
        using var db = new PostgresHiPortalDb(new DbContextOptionsBuilder<PostgresHiPortalDb>().UseNpgsql("Host=localhost").Options);

        Assert.False(db.Database.HasPendingModelChanges(),
            "the PostgreSQL model differs from migrations/Postgres: add a migration (README: Several instances on PostgreSQL, Migrations)");
    }
}
