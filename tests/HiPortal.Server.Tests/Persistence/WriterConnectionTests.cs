using System.Data.Common;
using HiPortal.Server.Persistence;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>The decision writer's one SQLite connection, on a real database file.</summary>
public sealed class WriterConnectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hiportal-writer-").FullName;
    private readonly SqliteConnectionFactory _factory;

    public WriterConnectionTests() =>
        _factory = new SqliteConnectionFactory($"Data Source={Path.Combine(_directory, "writer.db")}");

    [Fact]
    public async Task Writer_IsOneConnection_ReusedAcrossLeases_WithItsLargerCacheAndTheSharedPragmas()
    {
        DbConnection first;
        await using (var lease = await _factory.OpenWriterAsync())
        {
            first = lease.Connection;
            Assert.Equal(-SqliteConnectionFactory.WriterCacheKiB, await PragmaAsync(first, "cache_size"));
            Assert.Equal(8000, await PragmaAsync(first, "wal_autocheckpoint"));
            Assert.Equal(1, await PragmaAsync(first, "foreign_keys"));
        }

        await using (var again = await _factory.OpenWriterAsync())
        {
            Assert.Same(first, again.Connection);
        }

        // A pooled (reader) connection is another one, with SQLite's default cache.
        await using var pooled = await _factory.OpenAsync();
        Assert.NotSame(first, pooled.Connection);
        Assert.NotEqual(-SqliteConnectionFactory.WriterCacheKiB, await PragmaAsync(pooled.Connection, "cache_size"));
    }

    [Fact]
    public async Task Writer_IsExclusive_TheNextLeaseWaitsUntilTheFirstIsDisposed()
    {
        var lease = await _factory.OpenWriterAsync();
        var next = _factory.OpenWriterAsync();
        Assert.False(next.IsCompleted);

        await lease.DisposeAsync();
        await using var second = await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(lease.Connection, second.Connection);
    }

    [Fact]
    public async Task Writer_MarkedBroken_IsClosed_AndReplacedByAFreshConnection()
    {
        DbConnection broken;
        await using (var lease = await _factory.OpenWriterAsync())
        {
            broken = lease.Connection;
            lease.Broken = true;
        }

        Assert.Equal(System.Data.ConnectionState.Closed, broken.State);
        await using var fresh = await _factory.OpenWriterAsync();
        Assert.NotSame(broken, fresh.Connection);
        Assert.Equal(System.Data.ConnectionState.Open, fresh.Connection.State);
        Assert.Equal(-SqliteConnectionFactory.WriterCacheKiB, await PragmaAsync(fresh.Connection, "cache_size"));
    }

    private static async Task<long> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
