using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>
/// A device given several instances of one server moves to the next when the one in use does not answer, and the
/// retry under the same sample id is stored once. The "primary" here is the same real server reached as
/// <c>localhost</c>, so that <see cref="FaultyNetwork"/> can break only that route.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FailoverTests(ServerFixture server)
{
    [Fact]
    public async Task Offload_GoesToTheFallback_WhenThePrimaryRefusesConnections()
    {
        var device = await server.RegisterDeviceAsync("failover-refused");
        await using var client = Create(device, ClosedPort(), [server.App.HttpAddress]);
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index));

        Assert.Equal(OffloadStatus.Answered, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(server.App.HttpAddress, client.Server);
        Assert.Equal((1L, 1L), (client.GetStatistics().ServerSwitches, client.GetStatistics().Errors[HiDeviceErrorKind.Network]));
        Assert.Equal([result.SampleId!], await server.App.Database.SampleIdsAsync(device.DeviceId));
    }

    [Fact]
    public async Task OffloadStoredByThePrimary_WhoseAnswerIsLost_IsReplayedByTheFallback_AndStoredOnce()
    {
        var device = await server.RegisterDeviceAsync("failover-lost");
        using var network = new FaultyNetwork();
        network.After = (request, _) =>
        {
            // The primary stored the sample and died before answering.
            if (FaultyNetwork.IsOffload(request) && IsPrimary(request))
                throw new HttpRequestException("connection reset by peer");
        };
        await using var client = Create(device, Primary, [server.App.HttpAddress], network);
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index));

        Assert.Equal(OffloadStatus.Answered, result.Status);
        Assert.True(result.Server!.Replayed);
        Assert.Equal([result.SampleId!, result.SampleId!], network.Forwarded);
        Assert.Equal([result.SampleId!], await server.App.Database.SampleIdsAsync(device.DeviceId));
        Assert.Equal(server.App.HttpAddress, client.Server);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task ServerErrorsOnThePrimary_MoveTheDeviceToTheFallback_AndBackAfterFailbackAfter(HttpStatusCode status)
    {
        var device = await server.RegisterDeviceAsync("failover-status");
        using var network = new FaultyNetwork { Before = request => IsPrimary(request) ? FaultyNetwork.Status(status) : null };
        var time = new ImmediateTimeProvider();
        await using var client = Create(device, Primary, [server.App.HttpAddress], network, time);
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index));

        Assert.Equal((OffloadStatus.Answered, 2), (result.Status, result.Attempts));
        Assert.Equal(server.App.HttpAddress, client.Server);
        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(server.App.HttpAddress, client.Server);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Primary, client.Server);
    }

    [Fact]
    public async Task ThrottledByThePrimary_StaysOnThePrimary()
    {
        // 429 is this device's own rate (shared by every instance): another instance would refuse it too.
        var device = await server.RegisterDeviceAsync("failover-throttled");
        var throttled = 0;
        using var network = new FaultyNetwork
        {
            Before = request => FaultyNetwork.IsOffload(request) && Interlocked.Increment(ref throttled) == 1
                ? FaultyNetwork.Status(HttpStatusCode.TooManyRequests, retryAfterSeconds: 1)
                : null,
        };
        await using var client = Create(device, Primary, [server.App.HttpAddress], network, new ImmediateTimeProvider());
        var index = TinyReference.Unsure(1)[0];

        var result = await client.ProcessAsync(TinyReference.Pixels(index), TinyReference.Label(index));

        Assert.Equal((OffloadStatus.Answered, 2), (result.Status, result.Attempts));
        Assert.Equal(Primary, client.Server);
        Assert.Equal(0, client.GetStatistics().ServerSwitches);
    }

    [Fact]
    public async Task ConcurrentFailuresOnOneServer_MoveTheDeviceOnOnce()
    {
        // Eight offloads fail together on the primary: the device must not go round the list back to it.
        var device = await server.RegisterDeviceAsync("failover-concurrent");
        using var network = new FaultyNetwork { Before = request => IsPrimary(request) ? throw new HttpRequestException("connection refused") : null };
        await using var client = Create(device, Primary, [server.App.HttpAddress], network, new ImmediateTimeProvider());
        var unsure = TinyReference.Unsure(8);

        var results = await Task.WhenAll(unsure.Select(i => client.ProcessAsync(TinyReference.Pixels(i), TinyReference.Label(i))));

        Assert.All(results, r => Assert.Equal(OffloadStatus.Answered, r.Status));
        Assert.Equal(1, client.GetStatistics().ServerSwitches);
        Assert.Equal(server.App.HttpAddress, client.Server);
        Assert.Equal(8, (await server.App.Database.SampleIdsAsync(device.DeviceId)).Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PinnedCertificate_AppliesToTheFallbackToo(bool rightPin)
    {
        var device = await server.RegisterDeviceAsync("failover-pinning");
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(server.App.CertificatePath, password: null);
        await using var client = new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = ClosedPort(),
            FallbackUris = [server.App.HttpsAddress],
            DeviceKey = device.Key,
            Model = TinyReference.Model,
            ServerCertificateThumbprint = rightPin ? certificate.GetCertHashString(HashAlgorithmName.SHA256) : new string('A', 64),
        });

        // The first sync fails on the closed port and moves the device on; the second meets the fallback's certificate.
        Assert.False(await client.SyncConfigurationAsync());
        var synced = await client.SyncConfigurationAsync();

        Assert.Equal(rightPin, synced);
        Assert.Equal(rightPin ? 1 : 2, client.GetStatistics().Errors.GetValueOrDefault(HiDeviceErrorKind.Network));
    }

    [Fact]
    public void FallbackUris_MustBeAbsoluteHttp()
    {
        var error = Assert.Throws<ArgumentException>(() => new HiDeviceClient(new HiDeviceOptions
        {
            ServerUri = server.App.HttpAddress,
            FallbackUris = [new Uri("ftp://edge.local/")],
            DeviceKey = "key",
            Model = TinyReference.Model,
        }));
        Assert.Equal(nameof(HiDeviceOptions.FallbackUris), error.ParamName);
    }

    private Uri Primary => new UriBuilder(server.App.HttpAddress) { Host = "localhost" }.Uri;

    private static bool IsPrimary(HttpRequestMessage request) => request.RequestUri!.Host == "localhost";

    /// <summary>A loopback port nothing listens on: connections to it are refused.</summary>
    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    private static HiDeviceClient Create(CreatedDevice device, Uri primary, Uri[] fallbacks, HttpMessageHandler? network = null,
        TimeProvider? time = null) => new(new HiDeviceOptions
        {
            ServerUri = primary,
            FallbackUris = fallbacks,
            FailbackAfter = TimeSpan.FromMinutes(1),
            DeviceKey = device.Key,
            Model = TinyReference.Model,
            HttpMessageHandler = network,
            TimeProvider = time ?? TimeProvider.System,
            InitialThreshold = 1.0,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromSeconds(5),
        });
}
