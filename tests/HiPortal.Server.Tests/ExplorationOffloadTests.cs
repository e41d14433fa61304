using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HiPortal.Server.Fleets;

namespace HiPortal.Server.Tests;

/// <summary>
/// Exploration offloads (issue 13): the fleet's ε reaches devices in the desired configuration, a device may override
/// it, both wire forms carry the flag, the decision stores it and the stats count those offloads apart.
/// </summary>
public sealed class ExplorationOffloadTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FleetExplorationRate_IsDeliveredInTheDeviceConfiguration_AndADeviceMayOverrideIt()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("explore");
        await admin.CreateFleetAsync(fleet);
        var plain = await server.App.RegisterDeviceAsync(Samples.Unique("plain"), fleet);
        var overridden = await server.App.RegisterDeviceAsync(Samples.Unique("overridden"), fleet);
        using var plainClient = server.App.CreateDeviceClient(plain);
        using var overriddenClient = server.App.CreateDeviceClient(overridden);
        Assert.Equal(0, (await plainClient.GetConfigAsync()).ExplorationRate);

        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(ExplorationRate: 0.02));
        await admin.SetOverrideAsync(overridden.DeviceId, new ConfigChange(ExplorationRate: 0.05));

        Assert.Equal(0.02, (await plainClient.GetConfigAsync()).ExplorationRate);
        Assert.Equal(0.05, (await overriddenClient.GetConfigAsync()).ExplorationRate);
        var fleetView = await admin.GetFleetAsync(fleet);
        Assert.Equal(0.02, fleetView.GetProperty("desired").GetProperty("explorationRate").GetDouble());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.75)]
    public async Task ChangeFleetConfig_RefusesAnExplorationRateOutOfRange_NamingTheField(double rate)
    {
        using var admin = await server.App.CreateAdminAsync();
        using var response = await admin.PutAsJsonAsync(Routes.FleetConfig(Fleet.DefaultName), new ConfigChange(ExplorationRate: rate));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("explorationRate", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BothWireForms_StoreTheExplorationFlag_AndStatsCountExplorationOffloadsApart()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("explore-stats");
        await admin.CreateFleetAsync(fleet);
        using var device = await server.App.CreateDeviceAsync(Samples.Unique("explorer"), fleet);

        var rule = await device.OffloadBinaryAsync(Samples.Binary(1, "rule-1"));
        var binary = await device.OffloadBinaryAsync(Samples.Binary(2, "explore-binary") with { Exploration = true });
        var json = await device.OffloadAsync(Samples.Offload(3, "explore-json") with { Exploration = true });

        var stats = JsonNode.Parse((await admin.FleetStatsAsync(fleet)).GetRawText())!["totals"]!;
        Assert.Equal(3, (long)stats["offloadsReceived"]!);
        Assert.Equal(2, (long)stats["explorationOffloads"]!);
        Assert.Equal(2 * 784, (long)stats["explorationBytes"]!);
        Assert.Equal(new[] { binary, json }.Count(a => a.AgreesWithLocal) / 2.0, (double)stats["explorationAgreementRate"]!, 9);
        Assert.NotEqual(rule.SampleId, binary.SampleId);
        Assert.Equal(new[] { false, true, true }, await StoredFlagsAsync("rule-1", "explore-binary", "explore-json"));
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    public async Task BinaryOffload_WithAMalformedExplorationHeader_Is400NamingTheHeader(string value)
    {
        using var request = Samples.Binary(4, Samples.Unique("bad-explore")).ToRequest();
        request.Headers.Add(WireHeaders.Exploration, value);

        using var response = await server.DeviceClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(WireHeaders.Exploration, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<bool[]> StoredFlagsAsync(params string[] sampleIds)
    {
        var flags = new bool[sampleIds.Length];
        await using var connection = await server.App.Database.OpenAsync();
        for (var i = 0; i < sampleIds.Length; i++)
        {
            await using var command = ServerDatabase.Command(connection, "SELECT \"Exploration\" FROM \"Decisions\" WHERE \"SampleId\" = @sample",
                ("@sample", sampleIds[i]));
            flags[i] = Convert.ToBoolean(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return flags;
    }
}
