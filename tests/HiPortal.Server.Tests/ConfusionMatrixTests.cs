using System.Net.Http.Json;
using HiPortal.Server.Stats;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>The local-vs-large confusion matrix, aggregated in SQL (both providers) from the offloads the server stored.</summary>
public sealed class ConfusionMatrixTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Confusion_CountsEachLocalAndLargeClassPair_OfTheScopesOffloads()
    {
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("confusion"));
        using var device = await server.App.CreateDeviceAsync("confusion-a", "confusion");
        using var other = await server.App.CreateDeviceAsync("confusion-b", "confusion");
        var pairs = new List<(int Local, int Large)>();
        for (var index = 0; index < 12; index++)
        {
            // Local classes that are right, one off, and far off, so the matrix has off-diagonal cells.
            var label = (int)Samples.Test.Label(index);
            var local = (label + (index % 3 * 4)) % 10;
            using var response = await device.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(index, $"confusion-{index}", local));
            response.EnsureSuccessStatusCode();
            pairs.Add((local, (await response.Content.ReadFromJsonAsync<OffloadResponse>())!.PredictedClass));
        }

        using (var response = await other.PostAsJsonAsync("/api/v1/offloads", Samples.Offload(20, "confusion-other", 3)))
        {
            response.EnsureSuccessStatusCode();
        }

        var stats = server.App.Services.GetRequiredService<StatsQueries>();
        var now = DateTimeOffset.UtcNow;
        var byDevice = Assert.Single(await stats.ConfusionAsync(StatsScope.ForDevice(device.DeviceId), now.AddHours(-1), now.AddMinutes(1), default));
        var byFleet = Assert.Single(await stats.ConfusionAsync(StatsScope.ForFleet("confusion"), now.AddHours(-1), now.AddMinutes(1), default));

        Assert.Equal("fashion-large", byDevice.Model);
        var expected = pairs.GroupBy(p => p).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(kv => kv.Key), byDevice.Counts.OrderBy(kv => kv.Key));
        Assert.Equal(pairs.Select(p => p.Local).Distinct().Order(), byDevice.LocalClasses);
        Assert.Equal(pairs.Select(p => p.Large).Distinct().Order(), byDevice.ServerClasses);
        Assert.Equal(pairs.Count(p => p.Local == p.Large), byDevice.Agreements);
        Assert.Equal(13, byFleet.Total);
        Assert.Equal(12, byDevice.Total);
    }
}
