using HiPortal.Cli.Common;
using HiPortal.Cli.Simulate;
using HiPortal.Core.Data;

namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class SimulationTests(ServerFixture server)
{
    [Fact]
    public async Task Simulate_WithoutDrift_MatchesTheOfflineEvaluationOfTheSameSamplesExactly()
    {
        var output = Path.Combine(Path.GetTempPath(), "hiportal-device-tests", Guid.NewGuid().ToString("n"), "simulation.json");
        var settings = new SimulationSettings(server.App.HttpAddress, Devices: 3, Rate: 500, Duration: null, Samples: 600,
            KeyFile: null, AdminUser: "admin", AdminPassword: HiPortalHost.AdminPassword, Drift: DriftKind.None, Fleet: "simulated",
            Insecure: false, CertificateSha256: null, Output: output,
            Data: new DataSelection(FashionMnist.DefaultDirectory, null, null, null, "x", "y", null, "fashion-tiny", "fashion-large"),
            Profile: "esp32-wifi", BufferCapacity: 64, DrainTimeout: TimeSpan.FromSeconds(10), Seed: 7);

        SimulationReport report;
        try
        {
            report = await FleetSimulation.RunAsync(settings, CancellationToken.None);
            Assert.True(File.Exists(output));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }

        Assert.Equal(600, report.Fleet.Samples);
        Assert.InRange(report.Fleet.Offloaded, 1, 599);
        Assert.Equal(report.Fleet.Offloaded, report.Fleet.AnsweredDirectly);
        // The per-second series holds every answered offload once, in order, within the run, and agrees with the whole.
        var series = report.Fleet.RoundTripBySecond;
        Assert.Equal(report.Fleet.AnsweredDirectly, series.Sum(s => s.Offloads));
        Assert.Equal(series.Select(s => s.Second).Order(), series.Select(s => s.Second));
        Assert.All(series, s => Assert.True(s.Offloads > 0 && s.P50Ms <= s.P99Ms && s.P99Ms <= s.MaxMs && s.Second <= report.Seconds + 10));
        Assert.InRange(report.Fleet.RoundTripP99Ms, series.Min(s => s.P50Ms), series.Max(s => s.MaxMs));
        Assert.Equal((0, 0), (report.Offline.DecisionMismatches, report.Offline.AnswerMismatches));
        Assert.Equal(report.Offline.HiAccuracy, report.Fleet.HiAccuracy);
        Assert.Equal(report.Offline.OffloadFraction, report.Fleet.OffloadFraction);
        Assert.Empty(report.Errors);
        var stored = await server.App.Database.QueryAsync("SELECT COUNT(*) FROM Decisions d JOIN Devices v ON v.Id = d.DeviceId WHERE v.Fleet = 'simulated'", r => r.GetInt64(0));
        Assert.Equal([(long)report.Fleet.Offloaded], stored);
    }
}
