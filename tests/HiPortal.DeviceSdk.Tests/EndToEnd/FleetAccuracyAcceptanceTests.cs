using Xunit.Abstractions;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

[Collection(AcceptanceCollection.Name)]
public sealed class FleetAccuracyAcceptanceTests(ITestOutputHelper output)
{
    private const string Fleet = "accuracy";
    private const double Theta = 0.8;

    [Fact]
    public async Task TwentyDevices_MeasureTheOfflineAccuracyAndOffloadFractionExactly_AndTheServerCountsWhatTheyDid()
    {
        using var data = new TempDirectory();
        await using var server = await HiPortalHost.StartAsync(new() { DataDirectory = data.Path });
        var devices = await server.CreateFleetAsync(Fleet, Theta, devices: 20);
        await using var fleet = new SimulatedFleet(server.HttpAddress, devices, rate: 100, samples: 2000);
        await fleet.StartAsync();
        Assert.All(fleet.Clients, c => Assert.Equal((1L, Theta), (c.Configuration.Version, c.Configuration.Threshold)));

        await fleet.RunAsync();
        Assert.Equal(0, await fleet.Recorder.AwaitDeferredAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await fleet.FlushTelemetryAsync());
        var records = fleet.Recorder.Records;
        var statistics = fleet.Clients.Select(c => c.GetStatistics()).ToList();

        // What the fleet measured, against the offline evaluation of the same 2,000 samples at the same θ.
        Assert.Equal(2000, records.Count);
        Assert.All(records, r => Assert.Null(r.Error));
        var offline = OfflineEvaluation.Of(records);
        var expected = offline.Curve.Evaluate(Theta);
        var decisionMismatches = Enumerable.Range(0, records.Count).Count(i => records[i].Offloaded != offline.Offloads(i, Theta));
        var answerMismatches = Enumerable.Range(0, records.Count)
            .Count(i => records[i].Offloaded && records[i].ServerClass != offline.Large.Predicted(i));
        Assert.Equal((0, 0), (decisionMismatches, answerMismatches));
        var offloaded = records.Where(r => r.Offloaded).ToList();
        var offloadFraction = (double)offloaded.Count / records.Count;
        var accuracy = (double)records.Count(r => r.FinalClass == r.Label) / records.Count;
        Assert.Equal(expected.OffloadFraction, offloadFraction);
        Assert.Equal(expected.Accuracy, accuracy);
        // θ splits the samples for real, and offloading pays: HI beats the tiny model alone.
        Assert.InRange(offloadFraction, 0.05, 0.5);
        Assert.True(accuracy > offline.Curve.TinyAccuracy, $"HI {accuracy:P2} vs tiny {offline.Curve.TinyAccuracy:P2}");

        // What the devices counted.
        Assert.Equal((2000L, (long)offloaded.Count, (long)offloaded.Count),
            (statistics.Sum(s => s.Samples), statistics.Sum(s => s.Offloaded), statistics.Sum(s => s.Answered)));
        Assert.All(statistics, s => Assert.Empty(s.Errors));

        // What the SQLite file holds: one labelled row per offloaded sample, with the large model's answer.
        var serverCorrect = offloaded.Count(r => r.ServerClass == r.Label);
        var stored = await server.Database.QueryAsync($"""
            SELECT COUNT(*), COUNT(DISTINCT DeviceId || '/' || SampleId), COUNT(Label), TOTAL(ServerClass = Label)
            FROM Decisions WHERE Fleet = '{Fleet}'
            """, r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), (long)r.GetDouble(3)));
        Assert.Equal([(offloaded.Count, offloaded.Count, offloaded.Count, serverCorrect)], stored);
        var telemetry = await server.Database.QueryAsync($"SELECT TOTAL(Samples), TOTAL(Offloaded), TOTAL(DecidedLocally) FROM Telemetry WHERE Fleet = '{Fleet}'",
            r => ((long)r.GetDouble(0), (long)r.GetDouble(1), (long)r.GetDouble(2)));
        Assert.Equal([(2000L, offloaded.Count, 2000L - offloaded.Count)], telemetry);

        // What the stats API reports.
        var totals = await server.FleetTotalsAsync(Fleet);
        Assert.Equal(offloaded.Count, totals.GetProperty("offloadsReceived").GetInt64());
        Assert.Equal(offloaded.Count, totals.GetProperty("labelled").GetInt64());
        Assert.Equal((double)serverCorrect / offloaded.Count, totals.GetProperty("serverAccuracyOnOffloads").GetDouble());
        Assert.Equal(2000, totals.GetProperty("samples").GetInt64());
        Assert.Equal(offloaded.Count, totals.GetProperty("offloaded").GetInt64());
        Assert.Equal(2000 - offloaded.Count, totals.GetProperty("decidedLocally").GetInt64());
        Assert.Equal(0, totals.GetProperty("dropped").GetInt64());
        Assert.Equal(offloadFraction, totals.GetProperty("offloadRate").GetDouble(), 12);

        output.WriteLine($"θ = {Theta}: {records.Count} samples, {offloaded.Count} offloaded ({offloadFraction:P2}), HI accuracy {accuracy:P2} " +
            $"(tiny alone {offline.Curve.TinyAccuracy:P2}, large alone {offline.Curve.LargeAccuracy:P2}); " +
            $"server accuracy on offloads {(double)serverCorrect / offloaded.Count:P2}");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AcceptanceCollection
{
    // Alone on the machine: these tests time propagation and stop servers, and share two cores with nothing else.
    public const string Name = "acceptance";
}
