using HiPortal.Server.Persistence;

namespace HiPortal.Server.Tests.Persistence;

/// <summary>
/// Disposing the connection factory while the writer is leased (a host whose shutdown timed out) waits for the lease:
/// the writer's statements keep working until it is given back, and no lease is handed out afterwards.
/// </summary>
public sealed class WriterDisposeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hiportal-writer-dispose-").FullName;

    [Fact]
    public async Task Dispose_WaitsForTheLeasedWriter_ThenRefusesNewLeases()
    {
        var factory = new SqliteConnectionFactory($"Data Source={Path.Combine(_directory, "writer.db")};Pooling=False");
        Task dispose;
        await using (var lease = await factory.OpenWriterAsync())
        {
            await using (var create = lease.Connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE t (x INTEGER)";
                await create.ExecuteNonQueryAsync();
            }

            dispose = Task.Run(factory.Dispose);
            for (var i = 0; i < 200; i++)
            {
                await using var insert = lease.Connection.CreateCommand();
                insert.CommandText = "INSERT INTO t VALUES (1)";
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }

            Assert.False(dispose.IsCompleted);
        }

        await dispose;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => factory.OpenWriterAsync());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
