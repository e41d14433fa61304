namespace HiPortal.DeviceSdk.Tests;

[Collection(ServerCollection.Name)]
public sealed class OffloadDecisionTests(ServerFixture server)
{
    [Fact]
    public async Task ProcessAsync_OffloadsExactlyTheSamplesWhoseTinyConfidenceIsBelowTheta()
    {
        const double theta = 0.9;
        var device = await server.RegisterDeviceAsync("decide", threshold: theta);
        await using var client = Devices.Create(server.App, device);
        Assert.True(await client.SyncConfigurationAsync());
        Assert.Equal(theta, client.Configuration.Threshold);

        var results = new List<SampleResult>();
        for (var i = 0; i < 200; i++)
            results.Add(await client.ProcessAsync(TinyReference.Pixels(i), TinyReference.Label(i)));

        var expected = Enumerable.Range(0, 200).Where(i => TinyReference.Confidence(i) < theta).ToArray();
        var offloaded = Enumerable.Range(0, 200).Where(i => results[i].Offloaded).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, offloaded);
        Assert.All(expected, i => Assert.Equal(OffloadStatus.Answered, results[i].Status));
        Assert.All(Enumerable.Range(0, 200), i => Assert.Equal(TinyReference.Confidence(i), results[i].LocalConfidence));
        var stored = await server.App.Database.SampleIdsAsync(device.DeviceId);
        Assert.Equal(expected.Select(i => results[i].SampleId).Order(), stored.Order());
        var statistics = client.GetStatistics();
        Assert.Equal((200, expected.Length, 200 - expected.Length), (statistics.Samples, statistics.Offloaded, statistics.DecidedLocally));
    }

    [Fact]
    public async Task ProcessAsync_WithAnExplorationRate_OffloadsAboutThatShareOfTheSamplesItWouldKeep_MarkedAsExploration()
    {
        // θ below any 10-class top probability: the rule keeps every sample, so every offload is an exploration one.
        const double epsilon = 0.25;
        const int samples = 400;
        var device = await server.RegisterDeviceAsync("explore", threshold: 0.05);
        using (var admin = await server.App.CreateAdminAsync())
            await admin.ChangeFleetConfigAsync("explore", new ConfigChange(ExplorationRate: epsilon, Reason: "exploration test"));
        await using var client = Devices.Create(server.App, device);
        Assert.True(await client.SyncConfigurationAsync());
        Assert.Equal(epsilon, client.Configuration.ExplorationRate);

        var results = new List<SampleResult>();
        for (var i = 0; i < samples; i++)
            results.Add(await client.ProcessAsync(TinyReference.Pixels(i % TinyReference.Count), TinyReference.Label(i % TinyReference.Count)));

        var explored = results.Where(r => r.Explored).ToList();
        // Binomial(400, 0.25): mean 100, standard deviation 8.7; five deviations either side.
        Assert.InRange(explored.Count, 57, 143);
        Assert.All(results, r => Assert.Equal(r.Explored, r.Offloaded));
        Assert.All(explored, r => Assert.Equal(OffloadStatus.Answered, r.Status));
        Assert.Equal(explored.Count, client.GetStatistics().ExplorationOffloads);
        var stored = await server.App.Database.QueryAsync(
            """SELECT "SampleId" FROM "Decisions" WHERE "DeviceId" = @id AND "Exploration" """, r => r.GetString(0), ("@id", device.DeviceId));
        Assert.Equal(explored.Select(r => r.SampleId).Order(), stored.Order());
    }

    [Fact]
    public async Task ProcessAsync_ThrowsConflict_WhenASampleIdIsReusedForAnotherSample()
    {
        var device = await server.RegisterDeviceAsync("conflict");
        await using var client = Devices.Create(server.App, device, initialThreshold: 1.0);
        var (first, second) = (TinyReference.Unsure(2)[0], TinyReference.Unsure(2)[1]);
        await client.ProcessAsync(TinyReference.Pixels(first), sampleId: "dup-1");

        var error = await Assert.ThrowsAsync<HiDeviceException>(() => client.ProcessAsync(TinyReference.Pixels(second), sampleId: "dup-1"));

        Assert.Equal(HiDeviceErrorKind.Conflict, error.Kind);
        Assert.Equal("dup-1", error.SampleId);
        Assert.Single(await server.App.Database.SampleIdsAsync(device.DeviceId));
    }
}
