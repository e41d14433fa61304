using System.Net;

namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class TelemetryTests(ServerFixture server)
{
    private sealed record Row(long Sequence, long Samples, long DecidedLocally, long Offloaded, long BytesSent, long RttCount,
        double EnergyJoules, long Dropped);

    [Fact]
    public async Task Telemetry_SequenceNumbersIncrease_AndCountersAddUpToWhatWasProcessed()
    {
        var device = await server.RegisterDeviceAsync("telemetry", threshold: 0.9);
        await using var client = Devices.Create(server.App, device);
        await client.SyncConfigurationAsync();

        var offloads = 0;
        for (var i = 0; i < 100; i++)
        {
            offloads += (await client.ProcessAsync(TinyReference.Pixels(i))).Offloaded ? 1 : 0;
            if (i is 59 or 99)
                Assert.True(await client.FlushTelemetryAsync());
        }

        Assert.True(await client.FlushTelemetryAsync());
        var rows = await RowsAsync(device.DeviceId);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Sequence));
        Assert.Equal([60L, 40L, 0L], rows.Select(r => r.Samples));
        Assert.All(rows, r => Assert.Equal(r.Samples, r.DecidedLocally + r.Offloaded));
        Assert.Equal(offloads, rows.Sum(r => r.Offloaded));
        Assert.Equal(offloads * 784L, rows.Sum(r => r.BytesSent));
        Assert.Equal(offloads, rows.Sum(r => r.RttCount));
        Assert.Equal(0, rows.Sum(r => r.Dropped));
        var profile = HiPortal.Core.Savings.DeviceProfiles.Esp32Wifi;
        var energy = (100 * profile.JoulesPerLocalInference) + (offloads * (profile.JoulesPerTransmission + (784 * profile.JoulesPerByteSent)));
        Assert.Equal(energy, rows.Sum(r => r.EnergyJoules), 9);
        Assert.Equal(3, client.TelemetrySequence);
    }

    [Fact]
    public async Task Telemetry_UnconfirmedReport_IsResentWithTheNext_LeavingNoGap()
    {
        var device = await server.RegisterDeviceAsync("telemetry-resend");
        using var network = new FaultyNetwork();
        var failed = 0;
        network.Before = request => request.RequestUri!.AbsolutePath.EndsWith("/telemetry", StringComparison.Ordinal) &&
            Interlocked.Increment(ref failed) == 1 ? FaultyNetwork.Status(HttpStatusCode.ServiceUnavailable) : null;
        await using var client = Devices.Create(server.App, device, network);
        for (var i = 0; i < 10; i++)
            await client.ProcessAsync(TinyReference.Pixels(i));

        Assert.False(await client.FlushTelemetryAsync());
        await client.ProcessAsync(TinyReference.Pixels(10));
        Assert.True(await client.FlushTelemetryAsync());

        var rows = await RowsAsync(device.DeviceId);
        Assert.Equal([1L, 2L], rows.Select(r => r.Sequence));
        Assert.Equal([10L, 1L], rows.Select(r => r.Samples));
        var gaps = await server.App.Database.QueryAsync("SELECT TelemetryGaps FROM Devices WHERE Id = $id", r => r.GetInt64(0),
            ("$id", device.DeviceId));
        Assert.Equal([0L], gaps);
    }

    [Fact]
    public async Task Telemetry_OfARestartedDevice_ContinuesAfterTheServersLastSequence()
    {
        var device = await server.RegisterDeviceAsync("telemetry-restart");
        await using (var before = Devices.Create(server.App, device))
        {
            for (var i = 0; i < 5; i++)
                await before.ProcessAsync(TinyReference.Pixels(i));
            Assert.True(await before.FlushTelemetryAsync());
            Assert.True(await before.FlushTelemetryAsync());
        }

        await using var after = Devices.Create(server.App, device);
        for (var i = 0; i < 3; i++)
            await after.ProcessAsync(TinyReference.Pixels(i));
        Assert.True(await after.FlushTelemetryAsync());

        var rows = await RowsAsync(device.DeviceId);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Sequence));
        Assert.Equal([5L, 0L, 3L], rows.Select(r => r.Samples));
        Assert.Equal(3, after.TelemetrySequence);
    }

    private async Task<List<Row>> RowsAsync(string deviceId) => await server.App.Database.QueryAsync("""
        SELECT Sequence, Samples, DecidedLocally, Offloaded, BytesSent, OffloadRttCount, EnergyJoules, Dropped
        FROM Telemetry WHERE DeviceId = $id ORDER BY Sequence
        """, r => new Row(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
        r.GetDouble(6), r.GetInt64(7)), ("$id", deviceId));
}
