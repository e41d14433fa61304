using System.Net;
using System.Net.Http.Json;
using HiPortal.Server.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Server.Tests.Alarms;

/// <summary>The server-wide kinds on a server whose model cannot load: every offload is a 503.</summary>
public sealed class ServerAlarmsTests
{
    [Fact]
    public async Task ModelNotReadyAndQueueRejections_AreRaisedByReal503s_AndRejectionsClearOnceThe503sStop()
    {
        await using var app = new HiPortalHost(AlarmHosts.Settings(new HiPortalHostOptions(),
            new Dictionary<string, string?> { ["Models:DefaultLarge"] = "no-such-model@1.0.0" }));
        app.StartServer();
        await Assert.ThrowsAnyAsync<Exception>(() => app.Services.GetRequiredService<Inference.ModelHost>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30)));
        using var admin = await app.CreateAdminAsync();
        using var device = await app.CreateDeviceAsync();

        for (var round = 0; round < AlarmsFixture.RaiseAfter; round++)
        {
            for (var i = 0; i < 6; i++)
            {
                using var offload = await device.PostAsJsonAsync(Routes.Offloads, Samples.Offload(i, $"r{round}-{i}"));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, offload.StatusCode);
            }

            await AlarmHosts.EvaluateAsync(app);
        }

        var rejections = await admin.AlarmsAsync(AlarmKinds.QueueRejections, AlarmKinds.Server);
        var notReady = await admin.AlarmsAsync(AlarmKinds.ModelNotReady, AlarmKinds.Server);
        await AlarmHosts.EvaluateAsync(app, AlarmsFixture.ClearAfter);
        var rejectionsAfter = await admin.AlarmsAsync(AlarmKinds.QueueRejections, AlarmKinds.Server);
        var notReadyAfter = await admin.AlarmsAsync(AlarmKinds.ModelNotReady, AlarmKinds.Server);

        Assert.True(Assert.Single(rejections).IsOpen());
        Assert.Equal(6, rejections[0].GetProperty("value").GetDouble());
        Assert.True(Assert.Single(notReady).IsOpen());
        Assert.Contains("failed to load", notReady[0].GetProperty("detail").GetString());
        Assert.False(Assert.Single(rejectionsAfter).IsOpen());
        Assert.True(Assert.Single(notReadyAfter).IsOpen(), "a model that failed to load stays not ready");
    }

    [Fact]
    public async Task ModelNotReady_ClearsWhenTheModelIsReady_AfterARestartFindsItOpen()
    {
        // Raised by a server whose model cannot load; the next server on the same database loads it and clears it.
        using var data = new TempDirectory();
        var postgres = TestPostgres.RequestedProvider == HiPortal.Server.Persistence.DatabaseProvider.Postgres ? TestPostgres.DatabaseName(data.Path) : null;
        try
        {
            await using (var broken = new HiPortalHost(AlarmHosts.Settings(new HiPortalHostOptions { DataDirectory = data.Path, PostgresDatabase = postgres },
                new Dictionary<string, string?> { ["Models:DefaultLarge"] = "no-such-model@1.0.0" })))
            {
                broken.StartServer();
                await Assert.ThrowsAnyAsync<Exception>(() => broken.Services.GetRequiredService<Inference.ModelHost>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30)));
                await AlarmHosts.EvaluateAsync(broken, AlarmsFixture.RaiseAfter);
            }

            await using var healthy = await HiPortalHost.StartAsync(AlarmHosts.Settings(new HiPortalHostOptions { DataDirectory = data.Path, PostgresDatabase = postgres }));
            using var admin = await healthy.CreateAdminAsync();
            var before = await admin.AlarmsAsync(AlarmKinds.ModelNotReady, AlarmKinds.Server);
            await AlarmHosts.EvaluateAsync(healthy, AlarmsFixture.ClearAfter);
            var after = await admin.AlarmsAsync(AlarmKinds.ModelNotReady, AlarmKinds.Server);

            Assert.True(Assert.Single(before).IsOpen());
            Assert.False(Assert.Single(after).IsOpen());
            Assert.Equal(["alarm.raise", "alarm.clear"], await admin.AlarmAuditAsync(AlarmKinds.Server));
        }
        finally
        {
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }
        }
    }
}
