using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server.Advice;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests;

/// <summary>A server whose auto-threshold pass acts on a handful of offloads instead of the default 200.</summary>
public sealed class AuditServerFixture : ServerFixture
{
    protected override HiPortalHostOptions Options => new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["AutoThreshold:MinOffloads"] = "5",
        },
    };
}

/// <summary>Every threshold change, whoever makes it, leaves exactly one audit row with the old and new values.</summary>
public sealed class AuditTests(AuditServerFixture server) : IClassFixture<AuditServerFixture>
{
    [Fact]
    public async Task FleetConfigChange_LeavesOneAuditRow_WithTheOldAndNewThreshold()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("audited");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.6));

        await admin.ChangeFleetConfigAsync(fleet, new ConfigChange(Threshold: 0.7, Reason: "fewer offloads"));

        var row = Assert.Single(await admin.AuditAsync($"target={fleet}&action=fleet.config"));
        Assert.Equal(("admin", "fleet", "fewer offloads"),
            (row.GetProperty("actor").GetString(), row.GetProperty("scope").GetString(), row.GetProperty("reason").GetString()));
        Assert.Equal(0.6, row.Value("oldValue").GetProperty("threshold").GetDouble());
        Assert.Equal(0.7, row.Value("newValue").GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task DeviceOverride_AndClearingIt_EachLeaveOneAuditRow_WithTheOldAndNewOverride()
    {
        using var admin = await server.App.CreateAdminAsync();
        var device = await server.App.RegisterDeviceAsync("audited", Samples.Unique("audited"));

        await admin.SetOverrideAsync(device.DeviceId, new ConfigChange(Threshold: 0.45));
        await admin.ClearOverrideAsync(device.DeviceId);

        var rows = await admin.AuditAsync($"scope=device&target={device.DeviceId}&action=device.config");
        Assert.Equal(["device.config.clear", "device.config"], rows.Select(r => r.GetProperty("action").GetString()));
        var (clear, set) = (rows[0], rows[1]);
        Assert.Equal(JsonValueKind.Null, set.Value("oldValue").GetProperty("threshold").ValueKind);
        Assert.Equal(0.45, set.Value("newValue").GetProperty("threshold").GetDouble());
        Assert.Equal(0.45, clear.Value("oldValue").GetProperty("threshold").GetDouble());
        Assert.Equal(JsonValueKind.Null, clear.Value("newValue").GetProperty("threshold").ValueKind);
    }

    [Fact]
    public async Task AdviceApply_LeavesOneAuditRow_WithTheOldAndAdvisedThreshold()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("advised");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.9));
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(OnlineLearner: "hil-f"));
        using var device = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync("advised", fleet));
        await device.PostLabelledOffloadsAsync(20, "advised");

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/advice/apply", new { fleet, source = "online" });

        await response.JsonAsync(HttpStatusCode.OK);
        var applied = (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble();
        var row = Assert.Single(await admin.AuditAsync($"target={fleet}&action=advice"));
        Assert.Equal("advice.apply", row.GetProperty("action").GetString());
        Assert.Equal(0.9, row.Value("oldValue").GetProperty("threshold").GetDouble());
        Assert.Equal(applied, row.Value("newValue").GetProperty("threshold").GetDouble());
        Assert.NotEqual(0.9, applied);
    }

    [Fact]
    public async Task AutoPass_LeavesOneAuditRowByAuto_WithinTheFleetsBounds_AndNoneWhenNothingMoves()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("auto");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.9));
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(AutoThreshold: true, AutoThresholdMin: 0.35, AutoThresholdMax: 0.95,
            OnlineLearner: "hil-f"));
        using var device = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync("auto", fleet));
        await device.PostLabelledOffloadsAsync(20, "auto");
        var auto = server.App.Services.GetRequiredService<AutoThresholdService>();

        // Other tests' auto fleets are settled by their own passes, so only this fleet can move; the rows show it.
        var changed = await auto.RunOnceAsync(CancellationToken.None);
        await auto.RunOnceAsync(CancellationToken.None);

        Assert.True(changed >= 1);
        var threshold = (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble();
        var row = Assert.Single(await admin.AuditAsync($"target={fleet}&action=advice.auto"));
        Assert.Equal("auto", row.GetProperty("actor").GetString());
        Assert.Equal(0.9, row.Value("oldValue").GetProperty("threshold").GetDouble());
        Assert.Equal(threshold, row.Value("newValue").GetProperty("threshold").GetDouble());
        Assert.InRange(threshold, 0.35, 0.95);
        Assert.NotEqual(0.9, threshold);
    }

    [Fact]
    public async Task AutoPass_KeepsTheThresholdWithinTheFleetsBounds_WhenTheAdviceIsBelowThem()
    {
        using var admin = await server.App.CreateAdminAsync();
        var fleet = Samples.Unique("bounded");
        await admin.CreateFleetAsync(new CreateFleetRequest(fleet, Threshold: 0.9));
        await admin.ChangeFleetSettingsAsync(fleet, new FleetSettingsRequest(AutoThreshold: true, AutoThresholdMin: 0.85, AutoThresholdMax: 0.95,
            OnlineLearner: "hil-f"));
        using var device = server.App.CreateDeviceClient(await server.App.RegisterDeviceAsync("bounded", fleet));
        await device.PostLabelledOffloadsAsync(20, "bounded");
        using var advice = await admin.GetAsync($"/api/v1/admin/advice?fleet={fleet}");
        var online = (await advice.JsonAsync(HttpStatusCode.OK)).GetProperty("online").GetProperty("threshold").GetDouble();
        Assert.True(online < 0.85, $"the test needs advice below the lower bound; it is {online}");

        await server.App.Services.GetRequiredService<AutoThresholdService>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(0.85, (await admin.GetFleetAsync(fleet)).GetProperty("desired").GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task Query_FiltersByScopeTargetActorActionAndTime()
    {
        using var admin = await server.App.CreateAdminAsync();
        var (one, two) = (Samples.Unique("filter"), Samples.Unique("filter"));
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        await admin.CreateFleetAsync(one);
        await admin.CreateFleetAsync(two);
        await admin.ChangeFleetConfigAsync(one, new ConfigChange(Threshold: 0.5));
        await admin.ChangeFleetConfigAsync(one, new ConfigChange(Threshold: 0.55));
        await admin.ChangeFleetSettingsAsync(two, new FleetSettingsRequest(RateLimitBurst: 7));

        var byTarget = await admin.AuditAsync($"scope=fleet&target={one}");
        var byAction = await admin.AuditAsync($"target={one}&action=fleet.config");
        var settings = await admin.AuditAsync($"target={two}&action=fleet.settings&actor=admin");
        var byOtherActor = await admin.AuditAsync($"target={one}&actor=auto");
        var future = await admin.AuditAsync($"target={one}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}");
        var window = await admin.AuditAsync($"target={one}&from={Uri.EscapeDataString(start.ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}");
        using var page = await admin.GetAsync($"/api/v1/admin/audit?target={one}&take=1");
        var firstPage = await page.JsonAsync(HttpStatusCode.OK);

        Assert.Equal(["fleet.config", "fleet.config", "fleet.create"], byTarget.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal([0.55, 0.5], byAction.Select(r => r.Value("newValue").GetProperty("threshold").GetDouble()));
        Assert.Equal(7, Assert.Single(settings).Value("newValue").GetProperty("rateLimitBurst").GetInt32());
        Assert.Empty(byOtherActor);
        Assert.Empty(future);
        Assert.Equal(3, window.Count);
        Assert.Equal(3, firstPage.GetProperty("total").GetInt32());
        Assert.Equal(0.55, Assert.Single(firstPage.GetProperty("items").EnumerateArray()).Value("newValue").GetProperty("threshold").GetDouble());
    }

    [Theory]
    [InlineData("take=0")]
    [InlineData("take=1001")]
    public async Task Query_Returns400NamingTake_OutsideItsRange(string query)
    {
        using var admin = await server.App.CreateAdminAsync();

        using var response = await admin.GetAsync($"/api/v1/admin/audit?{query}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "take");
    }

    [Theory]
    [InlineData("UPDATE \"Audit\" SET \"Reason\" = 'rewritten'")]
    [InlineData("UPDATE \"Audit\" SET \"NewValue\" = NULL WHERE \"Action\" = 'fleet.create'")]
    [InlineData("DELETE FROM \"Audit\"")]
    [InlineData("DELETE FROM \"Audit\" WHERE \"Id\" = (SELECT MAX(\"Id\") FROM \"Audit\")")]
    public async Task Database_RefusesToRewriteTheAuditLog(string sql)
    {
        using var admin = await server.App.CreateAdminAsync();
        await admin.CreateFleetAsync(Samples.Unique("immutable"));
        const string Snapshot = "SELECT COUNT(*) || ':' || COALESCE(SUM(LENGTH(COALESCE(\"Reason\", '')) + LENGTH(COALESCE(\"NewValue\", ''))), 0) FROM \"Audit\"";
        await using var connection = await server.App.Database.OpenAsync();
        var before = await ScalarAsync(connection, Snapshot);

        var refused = await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(connection, sql));

        Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await ScalarAsync(connection, Snapshot));
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
