using System.Net;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>Device-side batching (a gateway's): many samples per request to the real server, each with its own result.</summary>
[Collection(ServerCollection.Name)]
public sealed class OffloadBatchingTests(ServerFixture server)
{
    private const string BatchPath = "/api/v1/offloads/batch";

    [Fact]
    public async Task Batching_SendsAFullBatchAsOneRequest_AndAnswersEachSample()
    {
        var device = await server.RegisterDeviceAsync("batch-size");
        using var network = new FaultyNetwork();
        // A delay no test waits for: only reaching the batch size can send these.
        await using var client = Devices.Create(server.App, device, network, initialThreshold: 1.0, batchSize: 4,
            batchDelay: TimeSpan.FromMinutes(5));
        var indices = TinyReference.Unsure(4);

        var results = await Task.WhenAll(indices.Select(i => client.ProcessAsync(TinyReference.Pixels(i), TinyReference.Label(i))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(OffloadStatus.Answered, r.Status));
        Assert.Equal(4, results.Select(r => r.SampleId).Distinct().Count());
        Assert.All(results, r => Assert.Equal("fashion-large", r.Server!.Model));
        Assert.Equal([BatchPath], network.Requests.Where(p => p.Contains("/offloads", StringComparison.Ordinal)));
        Assert.Equal(results.Select(r => r.SampleId!).Order(), (await server.App.Database.SampleIdsAsync(device.DeviceId)).Order());
    }

    [Fact]
    public async Task Batching_SendsAPartBatch_OnceItsDelayIsUp()
    {
        var device = await server.RegisterDeviceAsync("batch-delay");
        using var network = new FaultyNetwork();
        await using var client = Devices.Create(server.App, device, network, initialThreshold: 1.0, batchSize: 16,
            batchDelay: TimeSpan.FromMilliseconds(20));
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OffloadStatus.Answered, result.Status);
        Assert.Equal([BatchPath], network.Requests.Where(p => p.Contains("/offloads", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Batching_RetriesAFailedBatchUnderTheSameIds_AndStoresEachSampleOnce()
    {
        var device = await server.RegisterDeviceAsync("batch-retry");
        using var network = new FaultyNetwork();
        var failures = 2;
        network.Before = r => r.RequestUri!.AbsolutePath == BatchPath && Interlocked.Decrement(ref failures) >= 0
            ? FaultyNetwork.Status(HttpStatusCode.ServiceUnavailable)
            : null;
        // Only a full batch goes: each retry waits for the other sample's, so both ride the same three requests.
        await using var client = Devices.Create(server.App, device, network, initialThreshold: 1.0, maxRetries: 3, batchSize: 2,
            batchDelay: TimeSpan.FromMinutes(5));
        var indices = TinyReference.Unsure(2);

        var results = await Task.WhenAll(indices.Select(i => client.ProcessAsync(TinyReference.Pixels(i), TinyReference.Label(i))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(OffloadStatus.Answered, r.Status));
        Assert.All(results, r => Assert.Equal(3, r.Attempts));
        Assert.Equal(3, network.Requests.Count(p => p == BatchPath));
        Assert.Equal(4, client.GetStatistics().Retries);
        Assert.Equal(results.Select(r => r.SampleId!).Order(), (await server.App.Database.SampleIdsAsync(device.DeviceId)).Order());
    }

    [Fact]
    public async Task Batching_FailsOnlyTheSampleTheServerRefused()
    {
        var device = await server.RegisterDeviceAsync("batch-refused");
        await using var client = Devices.Create(server.App, device, initialThreshold: 1.0);
        var indices = TinyReference.Unsure(3);
        await client.ProcessAsync(TinyReference.Pixels(indices[0]), TinyReference.Label(indices[0]), sampleId: "reused");
        await using var gateway = Devices.Create(server.App, device, initialThreshold: 1.0, batchSize: 3, batchDelay: TimeSpan.FromMinutes(5));

        var tasks = new[]
        {
            gateway.ProcessAsync(TinyReference.Pixels(indices[1]), TinyReference.Label(indices[1]), sampleId: "reused"),
            gateway.ProcessAsync(TinyReference.Pixels(indices[1]), TinyReference.Label(indices[1]), sampleId: "fresh-1"),
            gateway.ProcessAsync(TinyReference.Pixels(indices[2]), TinyReference.Label(indices[2]), sampleId: "fresh-2"),
        };
        var refused = await Assert.ThrowsAsync<HiDeviceException>(() => tasks[0].WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(HiDeviceErrorKind.Conflict, refused.Kind);
        Assert.Equal(OffloadStatus.Answered, (await tasks[1]).Status);
        Assert.Equal(OffloadStatus.Answered, (await tasks[2]).Status);
        Assert.Equal(["fresh-1", "fresh-2", "reused"], (await server.App.Database.SampleIdsAsync(device.DeviceId)).Order());
    }
}
