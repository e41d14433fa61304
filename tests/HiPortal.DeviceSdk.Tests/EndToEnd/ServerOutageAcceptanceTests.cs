using System.Diagnostics;
using Xunit.Abstractions;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

[Collection(AcceptanceCollection.Name)]
public sealed class ServerOutageAcceptanceTests(ITestOutputHelper output)
{
    private const string Fleet = "outage";
    private const double Theta = 0.8;
    private const int Devices = 20;
    private const int SmallBuffer = 4;
    private const int Samples = 4000;
    private static readonly TimeSpan s_outage = TimeSpan.FromSeconds(10);

    private sealed record DeviceRow(string DeviceId, long Decisions, long DistinctSamples, long TelemetryReports, long LastSequence,
        long TelemetrySamples, long TelemetryOffloaded, long TelemetryDropped, long Gaps, long Duplicates);

    [Fact]
    public async Task ServerDownForTenSeconds_DevicesBufferRetryAndCatchUp_NothingCountedTwice_AndEveryLossIsReported()
    {
        using var data = new TempDirectory();
        // Disposed mid-test to stop it; the await using only covers a failure before that.
        await using var first = await HiPortalHost.StartAsync(new() { DataDirectory = data.Path });
        var port = first.HttpAddress.Port;
        // Telemetry every second, so reports fail during the outage and are resent after it.
        var devices = await first.CreateFleetAsync(Fleet, Theta, Devices, telemetryIntervalSeconds: 1);
        // Half the fleet keeps every offload through the outage; the other half can hold only a few and must drop.
        bool IsSmall(int device) => device >= Devices / 2;
        await using var fleet = new SimulatedFleet(first.HttpAddress, devices, rate: 10, samples: Samples,
            bufferCapacity: d => IsSmall(d) ? SmallBuffer : 256);
        await fleet.StartAsync();
        // The large-buffer devices' first offload and telemetry answers are lost after the server stored them.
        fleet.Network.LoseNextResponses(devices.Where((_, i) => !IsSmall(i)).Select(d => d.Key));
        var run = fleet.RunAsync();

        // Mid-run, once every lost answer has been lost (and so is not mixed up with the outage).
        await Task.WhenAll(fleet.Network.OffloadsAnswered(40), fleet.Network.ResponsesLost).WaitAsync(TimeSpan.FromSeconds(30));
        var stopping = Stopwatch.GetTimestamp();
        await first.DisposeAsync();
        var stopTime = Stopwatch.GetElapsedTime(stopping);
        // The fault itself: nothing listens on the port for this long.
        await Task.Delay(s_outage);
        await using var second = await HiPortalHost.StartAsync(new() { DataDirectory = data.Path, Port = port });
        var restarted = Stopwatch.GetTimestamp();
        Assert.Equal(port, second.HttpAddress.Port);
        var samplesBeforeRestart = fleet.Clock!.Taken;

        await run;
        Assert.Equal(0, await fleet.Recorder.AwaitDeferredAsync(TimeSpan.FromSeconds(60)));
        var caughtUp = Stopwatch.GetElapsedTime(restarted);
        Assert.True(await fleet.FlushTelemetryAsync());
        var statistics = fleet.Clients.Select(c => c.GetStatistics()).ToList();
        var byDevice = fleet.RecordsByDevice();
        var rows = (await second.Database.QueryAsync($"""
            SELECT v.Id,
                (SELECT COUNT(*) FROM Decisions d WHERE d.DeviceId = v.Id),
                (SELECT COUNT(DISTINCT SampleId) FROM Decisions d WHERE d.DeviceId = v.Id),
                (SELECT COUNT(*) FROM Telemetry t WHERE t.DeviceId = v.Id),
                (SELECT IFNULL(MAX(Sequence), 0) FROM Telemetry t WHERE t.DeviceId = v.Id),
                (SELECT TOTAL(Samples) FROM Telemetry t WHERE t.DeviceId = v.Id),
                (SELECT TOTAL(Offloaded) FROM Telemetry t WHERE t.DeviceId = v.Id),
                (SELECT TOTAL(Dropped) FROM Telemetry t WHERE t.DeviceId = v.Id),
                v.TelemetryGaps, v.TelemetryDuplicates
            FROM Devices v WHERE v.Fleet = '{Fleet}'
            """, r => new DeviceRow(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), (long)r.GetDouble(5),
            (long)r.GetDouble(6), (long)r.GetDouble(7), r.GetInt64(8), r.GetInt64(9)))).ToDictionary(r => r.DeviceId);

        Assert.Equal(Samples, fleet.Recorder.Records.Count);
        Assert.InRange(samplesBeforeRestart, 1, Samples - 400); // the fleet ran on for seconds after the server came back
        for (var i = 0; i < Devices; i++)
        {
            var (s, row, records) = (statistics[i], rows[devices[i].DeviceId], byDevice[i]);
            // Every device met the outage and buffered through it.
            Assert.True(s.Errors.GetValueOrDefault(HiDeviceErrorKind.Network) > 0, $"device {i} saw no network error");
            Assert.True(s.Buffered > 0, $"device {i} buffered nothing");
            // One row per stored sample; what is missing is exactly what the device says it dropped, sample by sample.
            Assert.Equal(row.Decisions, row.DistinctSamples);
            Assert.Equal(s.Offloaded - s.Dropped, row.Decisions);
            Assert.Equal(s.Dropped, records.Count(r => r.Error == "DroppedOrAbandoned"));
            Assert.Equal(row.Decisions, records.Count(r => r.Offloaded && r.ServerClass is not null));
            Assert.Equal(row.Decisions, fleet.Network.AnsweredSampleIds(devices[i].Key).Count);
            // The server's answers (received or lost on the way): one first answer per stored sample, the rest replays.
            Assert.Equal(row.Decisions + s.Replayed, s.Answered + fleet.Network.LostOffloadAnswers(devices[i].Key));
            // Telemetry: every report once, resent ones ignored, no gap, and the totals are the device's.
            Assert.Equal((row.LastSequence, 0L), (row.TelemetryReports, row.Gaps));
            Assert.Equal((s.Samples, s.Offloaded, s.Dropped), (row.TelemetrySamples, row.TelemetryOffloaded, row.TelemetryDropped));
            if (IsSmall(i))
            {
                Assert.True(s.Dropped > 0, $"device {i} with a buffer of {SmallBuffer} dropped nothing");
            }
            else
            {
                Assert.Equal(0, s.Dropped);
                Assert.True(s.Replayed >= 1, $"device {i}: its lost answer was not replayed");
                Assert.True(row.Duplicates >= 1, $"device {i}: its resent telemetry was not seen as a duplicate");
            }
        }

        Assert.Equal(2 * (Devices / 2), fleet.Network.Lost);
        var totals = await second.FleetTotalsAsync(Fleet);
        Assert.Equal(rows.Values.Sum(r => r.Decisions), totals.GetProperty("offloadsReceived").GetInt64());
        Assert.Equal(statistics.Sum(s => s.Samples), totals.GetProperty("samples").GetInt64());
        Assert.Equal(statistics.Sum(s => s.Offloaded), totals.GetProperty("offloaded").GetInt64());
        Assert.Equal(statistics.Sum(s => s.Dropped), totals.GetProperty("dropped").GetInt64());

        // The samples that did come back were answered as offline: the outage changed no decision and no answer.
        var answered = fleet.Recorder.Records.Where(r => r.Error is null).ToList();
        var offline = OfflineEvaluation.Of(answered);
        Assert.Equal(0, Enumerable.Range(0, answered.Count).Count(i =>
            answered[i].Offloaded != offline.Offloads(i, Theta) || (answered[i].Offloaded && answered[i].ServerClass != offline.Large.Predicted(i))));

        output.WriteLine($"server stopped in {stopTime.TotalMilliseconds:0} ms, down {s_outage.TotalSeconds:0} s, back on port {port}; " +
            $"every buffered answer in {caughtUp.TotalSeconds:0.0} s after the restart. {statistics.Sum(s => s.Samples)} samples " +
            $"({Samples - samplesBeforeRestart} after the restart), " +
            $"{statistics.Sum(s => s.Offloaded)} offloaded, {statistics.Sum(s => s.Buffered)} buffered, {statistics.Sum(s => s.Drained)} drained, " +
            $"{statistics.Sum(s => s.Dropped)} dropped (devices with a buffer of {SmallBuffer}), {statistics.Sum(s => s.Retries)} retries, " +
            $"{statistics.Sum(s => s.Replayed)} replayed, {rows.Values.Sum(r => r.Duplicates)} telemetry duplicates ignored, " +
            $"{statistics.Sum(s => s.TelemetryFailed)} telemetry posts failed; {rows.Values.Sum(r => r.Decisions)} decisions stored");
    }
}
