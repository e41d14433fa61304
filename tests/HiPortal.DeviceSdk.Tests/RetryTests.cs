using System.Net;

namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class RetryTests(ServerFixture server)
{
    [Fact]
    public async Task RetriedOffload_IsStoredOnce_WhenTheFirstResponseIsLost()
    {
        var device = await server.RegisterDeviceAsync("retry");
        using var network = new FaultyNetwork();
        var lost = 0;
        network.After = (request, _) =>
        {
            // The server stored the sample; its answer never reaches the device.
            if (FaultyNetwork.IsOffload(request) && Interlocked.Increment(ref lost) == 1)
                throw new HttpRequestException("connection reset by peer");
        };
        await using var client = Devices.Create(server.App, device, network, initialThreshold: 1.0);
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index));

        Assert.Equal(OffloadStatus.Answered, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.True(result.Server!.Replayed);
        Assert.Equal([result.SampleId!, result.SampleId!], network.Forwarded);
        Assert.Equal([result.SampleId!], await server.App.Database.SampleIdsAsync(device.DeviceId));
        var statistics = client.GetStatistics();
        Assert.Equal((1, 1, 1L), (statistics.Offloaded, statistics.Retries, statistics.Errors[HiDeviceErrorKind.Network]));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, HiDeviceErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.TooManyRequests, HiDeviceErrorKind.Throttled)]
    public async Task RetryAfter_IsHonoured_BeforeTheNextTry(HttpStatusCode status, HiDeviceErrorKind kind)
    {
        var device = await server.RegisterDeviceAsync("retry-after");
        using var network = new FaultyNetwork();
        var refused = 0;
        network.Before = request => FaultyNetwork.IsOffload(request) && Interlocked.Increment(ref refused) == 1
            ? FaultyNetwork.Status(status, retryAfterSeconds: 1)
            : null;
        var time = new ImmediateTimeProvider();
        await using var client = Devices.Create(server.App, device, network, time, initialThreshold: 1.0);
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index));

        Assert.Equal(OffloadStatus.Answered, result.Status);
        Assert.Equal(2, result.Attempts);
        var wait = Assert.Single(time.Waits);
        Assert.InRange(wait, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.1));
        Assert.Equal(1, client.GetStatistics().Errors[kind]);
        Assert.Single(await server.App.Database.SampleIdsAsync(device.DeviceId));
    }

    [Fact]
    public async Task TransientFailures_BackOffExponentially_ThenBufferTheSample()
    {
        var device = await server.RegisterDeviceAsync("backoff");
        using var network = new FaultyNetwork { Before = _ => throw new HttpRequestException("network is unreachable") };
        var time = new ImmediateTimeProvider(immediateWaits: 3);
        await using var client = Devices.Create(server.App, device, network, time, initialThreshold: 1.0, maxRetries: 3);
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index));

        Assert.Equal(OffloadStatus.Buffered, result.Status);
        Assert.Equal(4, result.Attempts);
        Assert.Equal(3, client.GetStatistics().Retries);
        Assert.Equal(1, client.BufferedCount);
        // Base 20 ms doubling, with "equal jitter": each wait lies in [ceiling/2, ceiling].
        var waits = time.Waits.Take(3).Select(w => w.TotalMilliseconds).ToArray();
        Assert.InRange(waits[0], 10, 20);
        Assert.InRange(waits[1], 20, 40);
        Assert.InRange(waits[2], 40, 80);
    }
}
