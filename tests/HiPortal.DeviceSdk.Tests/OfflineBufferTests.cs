using Microsoft.Extensions.Time.Testing;

namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class OfflineBufferTests(ServerFixture server)
{
    [Fact]
    public async Task OfflineBuffer_DropsTheOldestFirst_CountsDrops_AndDrainsInOrderWhenTheServerIsBack()
    {
        var device = await server.RegisterDeviceAsync("offline");
        using var network = new FaultyNetwork();
        var offline = true;
        network.Before = _ => Volatile.Read(ref offline) ? throw new HttpRequestException("no route to host") : null;
        var time = new FakeTimeProvider();
        await using var client = Devices.Create(server.App, device, network, time, initialThreshold: 1.0, maxRetries: 0,
            bufferCapacity: 3);
        var indices = TinyReference.Unsure(5);

        var results = new List<SampleResult>();
        foreach (var i in indices)
            results.Add(await client.ProcessAsync(TinyReference.Pixels(i), TinyReference.Label(i)));

        Assert.All(results, r => Assert.Equal(OffloadStatus.Buffered, r.Status));
        Assert.Equal(3, client.BufferedCount);
        Assert.Null(await results[0].Deferred);
        Assert.Null(await results[1].Deferred);
        var statistics = client.GetStatistics();
        Assert.Equal((5L, 2L), (statistics.Buffered, statistics.Dropped));
        // Once the device is offline it queues behind the first failure instead of trying each sample.
        Assert.Single(network.Requests);

        Volatile.Write(ref offline, false);
        time.Advance(TimeSpan.FromSeconds(5));
        var answers = await Task.WhenAll(results.Skip(2).Select(r => r.Deferred)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(answers, Assert.NotNull);
        var kept = results.Skip(2).Select(r => r.SampleId!).ToArray();
        Assert.Equal(kept, network.Forwarded);
        Assert.Equal(kept.Order(), (await server.App.Database.SampleIdsAsync(device.DeviceId)).Order());
        Assert.Equal(0, client.BufferedCount);
        Assert.Equal(3, client.GetStatistics().Drained);
    }
}
