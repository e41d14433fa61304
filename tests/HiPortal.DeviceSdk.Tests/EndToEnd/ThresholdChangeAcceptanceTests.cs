using System.Diagnostics;
using HiPortal.Cli.Simulate;
using HiPortal.Core.Decisions;
using Xunit.Abstractions;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

[Collection(AcceptanceCollection.Name)]
public sealed class ThresholdChangeAcceptanceTests(ITestOutputHelper output)
{
    private const string Fleet = "theta";
    private const double Before = 0.6;
    private const double After = 0.95;

    [Fact]
    public async Task AdminsNewTheta_ReachesEveryRunningDeviceWithinTwoSeconds_AndMovesTheOffloadRateAsTheOfflineCurvePredicts()
    {
        using var data = new TempDirectory();
        await using var server = await HiPortalHost.StartAsync(new() { DataDirectory = data.Path });
        var devices = await server.CreateFleetAsync(Fleet, Before, devices: 20);
        await using var fleet = new SimulatedFleet(server.HttpAddress, devices, rate: 15, samples: 1500);
        var applied = fleet.Clients.Select(_ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (var i = 0; i < fleet.Clients.Count; i++)
        {
            var reached = applied[i];
            // Raised once the device runs the new version (and has acknowledged it): stamp the moment.
            fleet.Clients[i].ConfigurationChanged += (_, change) =>
            {
                if (change is { Version: 2, Applied: true })
                    reached.TrySetResult(Stopwatch.GetTimestamp());
            };
        }

        await fleet.StartAsync();
        Assert.All(fleet.Clients, c => Assert.Equal((1L, Before), (c.Configuration.Version, c.Configuration.Threshold)));
        var run = fleet.RunAsync();

        // Mid-run: once the fleet has been offloading for a while.
        await fleet.Network.OffloadsAnswered(30).WaitAsync(TimeSpan.FromSeconds(30));
        using var admin = await server.CreateAdminAsync();
        var sent = Stopwatch.GetTimestamp();
        await admin.ChangeFleetConfigAsync(Fleet, new ConfigChange(Threshold: After, Reason: "acceptance"));
        var reachedAt = await Task.WhenAll(applied.Select(a => a.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        var propagation = reachedAt.Select(t => Stopwatch.GetElapsedTime(sent, t)).Order().ToArray();
        await run;
        Assert.Equal(0, await fleet.Recorder.AwaitDeferredAsync(TimeSpan.FromSeconds(30)));

        Assert.InRange(propagation[^1], TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.All(fleet.Clients, c => Assert.Equal((2L, After), (c.Configuration.Version, c.Configuration.Threshold)));
        var appliedAtServer = await admin.ListDevicesAsync($"fleet={Fleet}&status=applied&pageSize=100");
        Assert.Equal(20, appliedAtServer.GetProperty("total").GetInt32());

        // Each device switched once, for good: its samples were decided at θ = Before, then only at θ = After.
        var byDevice = fleet.RecordsByDevice();
        Assert.All(byDevice, records =>
        {
            var thetas = records.Select(Theta).ToList();
            var switched = thetas.IndexOf(After);
            Assert.True(switched > 0, "every device decided samples at both thresholds");
            Assert.All(thetas.Take(switched), t => Assert.Equal(Before, t));
            Assert.All(thetas.Skip(switched), t => Assert.Equal(After, t));
        });

        // The offload fraction at each θ is the offline curve's on the very samples decided at it.
        var records = fleet.Recorder.Records;
        var before = Measure(records.Where(r => Theta(r) == Before).ToList(), Before);
        var after = Measure(records.Where(r => Theta(r) == After).ToList(), After);
        Assert.Equal(before.Predicted, before.Measured);
        Assert.Equal(after.Predicted, after.Measured);
        // And it moved: at the old θ those same samples would have offloaded far less.
        Assert.True(after.Measured > after.AtOtherTheta + 0.05, $"{after.Measured:P2} at θ = {After} vs {after.AtOtherTheta:P2} at θ = {Before}");

        output.WriteLine($"θ {Before} → {After}: every device ran it {propagation[^1].TotalMilliseconds:0} ms after the PUT " +
            $"(median {propagation[propagation.Length / 2].TotalMilliseconds:0} ms, first {propagation[0].TotalMilliseconds:0} ms); " +
            $"offloaded {before.Measured:P2} of {before.Samples} samples before, {after.Measured:P2} of {after.Samples} after " +
            $"(offline curve on the same samples: {before.Predicted:P2}, {after.Predicted:P2})");
    }

    private static double Theta(SampleRecord record) => ((MaxSoftmaxRule)record.Rule!).Threshold;

    /// <summary>The measured offload fraction of <paramref name="records"/>, and the offline curve's at θ and at the other θ.</summary>
    private static (int Samples, double Measured, double Predicted, double AtOtherTheta) Measure(IReadOnlyList<SampleRecord> records, double theta)
    {
        Assert.NotEmpty(records);
        var offline = OfflineEvaluation.Of(records);
        Assert.Equal(0, Enumerable.Range(0, records.Count).Count(i => records[i].Offloaded != offline.Offloads(i, theta)));
        var other = theta == Before ? After : Before;
        return (records.Count, (double)records.Count(r => r.Offloaded) / records.Count, offline.Curve.Evaluate(theta).OffloadFraction,
            offline.Curve.Evaluate(other).OffloadFraction);
    }
}
