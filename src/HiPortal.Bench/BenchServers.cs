using HiPortal.Client.Hosting;

namespace HiPortal.Bench;

/// <summary>
/// The instances one served run measures: one, or several of one deployment (the same database and Redis, which the
/// settings or the environment name), started one after the other so that the first applies the migrations.
/// </summary>
public sealed class BenchServers : IAsyncDisposable
{
    private BenchServers(List<ServerProcess> instances) => Instances = instances;

    public IReadOnlyList<ServerProcess> Instances { get; }

    public static async Task<BenchServers> StartAsync(int count, IReadOnlyDictionary<string, string> settings, IReadOnlyList<BenchPair> pairs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var instances = new List<ServerProcess>();
        var servers = new BenchServers(instances);
        try
        {
            for (var i = 0; i < count; i++)
            {
                // Every instance sets up the same fleets: idempotent, and each then has the pairs' models loaded.
                instances.Add(await BenchServer.StartAsync(settings, pairs));
            }
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }

        return servers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in Instances)
            await instance.DisposeAsync();
    }
}
