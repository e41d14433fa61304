using Bunit;
using HiPortal.Server.Dashboard.Components.Admin;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace HiPortal.Dashboard.Tests.Components;

public sealed class RegisterDeviceTests
{
    private static readonly FleetView[] s_fleets =
        [new("default", new DeviceConfiguration("max-softmax", 0.65, null, 10), 50, 100, "esp32-wifi", false, 0.3, 0.95, 0, 0, 0, "t@1", "l@1")];

    [Fact]
    public async Task IsAbsent_ForAnOperator()
    {
        await using var database = await TempDatabase.CreateAsync();
        await using var ctx = Create(database);
        ctx.AddAuthorization().SetAuthorized("olga").SetRoles(Roles.Operator);
        ctx.Render<MudPopoverProvider>();

        var cut = ctx.Render<RegisterDevice>(p => p.Add(c => c.Fleets, s_fleets));

        Assert.Empty(cut.FindAll("input, button"));
    }

    [Fact]
    public async Task ShowsTheApisMessage_AtTheNameField_AndRegistersNothing_WhenTheNameIsEmpty()
    {
        await using var database = await TempDatabase.CreateAsync();
        await using var ctx = Create(database);
        ctx.AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin);
        ctx.Render<MudPopoverProvider>();

        var cut = ctx.Render<RegisterDevice>(p => p.Add(c => c.Fleets, s_fleets));
        await cut.Find("#register-device-button").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("name is required and at most 128 characters", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("#device-key"));
        await using var db = database.Open();
        Assert.Equal(0, await db.Devices.CountAsync());
        Assert.Equal(0, await db.Audit.CountAsync(a => a.Action == "device.create"));
    }

    private static BunitContext Create(TempDatabase database)
    {
        var ctx = ComponentContext.Create();
        ctx.Services.AddDbContextFactory<HiPortalDb>(o => o.UseSqlite(database.ConnectionString));
        ctx.Services.AddSingleton(TimeProvider.System);
        ctx.Services.AddOptions<IdentityOptions>();
        // The key check reads through raw connections, as in the server.
        ctx.Services.AddSingleton(new SqliteConnectionFactory(database.ConnectionString));
        ctx.Services.AddSingleton<IRawDatabase, SqliteRawDatabase>();
        ctx.Services.AddSingleton<DeviceKeyVerifier>();
        ctx.Services.AddSingleton<DeviceAdmin>();
        return ctx;
    }
}
