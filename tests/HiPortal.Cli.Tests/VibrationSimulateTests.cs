using System.Text.Json;

namespace HiPortal.Cli.Tests;

/// <summary>
/// <c>hiportal simulate</c> on the second application: SDK devices run the committed vibration tiny model (INT16
/// windows) against the real server, whose <c>vibration</c> fleet names the vibration pair, and every decision and
/// answer equals the offline evaluation of the same samples.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class VibrationSimulateTests : IAsyncLifetime
{
    private const int Samples = 300;
    private readonly string _output = Path.Combine(Directory.CreateTempSubdirectory("hiportal-simulate-").FullName, "simulation.json");
    private HiPortalHost _app = null!;

    public async Task InitializeAsync() => _app = await HiPortalHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_output)!, recursive: true);
    }

    [Fact]
    public async Task Simulate_OnTheVibrationFleet_AnswersEverySample_AsTheOfflineEvaluationDoes()
    {
        using var admin = await _app.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("vibration", Threshold: 0.72));
        await admin.ChangeFleetSettingsAsync("vibration", new FleetSettingsRequest(RateLimitPerSecond: 1_000, RateLimitBurst: 1_000));
        await admin.SetFleetModelsAsync("vibration", new FleetModelsRequest("vibration-tiny@1.0.0", "vibration-large@1.0.0", "simulate test"));

        var (code, output) = HiportalProcess.Run(
            "simulate", "--server", _app.HttpAddress.ToString(), "--admin-password", HiPortalHost.AdminPassword, "--fleet", "vibration",
            "--tiny", "vibration-tiny", "--large", "vibration-large", "--data", Path.Combine(RepoPaths.Models, "demo", "vibration-test.npz"),
            "--devices", "4", "--rate", "200", "--samples", $"{Samples}", "--drain-timeout", "30", "--out", _output);

        Assert.True(code == 0, output);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(_output));
        var fleet = report.RootElement.GetProperty("fleet");
        var offline = report.RootElement.GetProperty("offline");
        Assert.Equal(Samples, fleet.GetProperty("samples").GetInt32());
        Assert.Equal(Samples, offline.GetProperty("samples").GetInt32());
        Assert.Equal(0, fleet.GetProperty("unanswered").GetInt32());
        Assert.Equal(0, offline.GetProperty("decisionMismatches").GetInt32());
        Assert.Equal(0, offline.GetProperty("answerMismatches").GetInt32());
        Assert.Equal(offline.GetProperty("hiAccuracy").GetDouble(), fleet.GetProperty("hiAccuracy").GetDouble(), 9);
        Assert.Equal(offline.GetProperty("offloadFraction").GetDouble(), fleet.GetProperty("offloadFraction").GetDouble(), 9);
        // θ = 0.72 offloads about three in ten windows on this split: the large model really answered some.
        Assert.InRange(fleet.GetProperty("offloaded").GetInt32(), Samples / 10, Samples / 2);

        // Every offload was answered by the vibration fleet's large model and stored under its name.
        var stored = await _app.Database.QueryAsync("SELECT DISTINCT ModelName, ModelVersion FROM Decisions", r => (r.GetString(0), r.GetString(1)));
        Assert.Equal([("vibration-large", "1.0.0")], stored);
        Assert.Equal(fleet.GetProperty("offloaded").GetInt32(), await _app.Database.CountAsync("SELECT COUNT(*) FROM Decisions"));
    }
}
