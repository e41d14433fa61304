using Bunit;
using HiPortal.Server.Dashboard.Components;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace HiPortal.Dashboard.Tests.Components;

public sealed class ThresholdFormTests
{
    [Fact]
    public async Task IsAbsent_ForAnOperator()
    {
        await using var database = await TempDatabase.CreateAsync();
        await using var ctx = ComponentContext.Create();
        AddConfigService(ctx, database);
        ctx.AddAuthorization().SetAuthorized("olga").SetRoles(Roles.Operator);
        ctx.Render<MudPopoverProvider>();

        var cut = ctx.Render<ThresholdForm>(p => p.Add(c => c.Scope, "fleet").Add(c => c.Target, "default").Add(c => c.Threshold, 0.65));

        Assert.Empty(cut.FindAll("#threshold-form-default"));
        Assert.Empty(cut.FindAll("#threshold-default"));
        Assert.Empty(cut.FindAll("#apply-default"));
        Assert.Empty(cut.FindAll("input, button"));
    }

    [Fact]
    public async Task LetsAnAdminChangeTheFleetThreshold_WithAReason_AfterConfirming()
    {
        await using var database = await TempDatabase.CreateAsync();
        await using var ctx = ComponentContext.Create();
        AddConfigService(ctx, database);
        ctx.AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin);
        ctx.Render<MudPopoverProvider>();
        var changed = new TaskCompletionSource<ConfigChangeResult>(TaskCreationOptions.RunContinuationsAsynchronously);

        var cut = ctx.Render<ThresholdForm>(p => p.Add(c => c.Scope, "fleet").Add(c => c.Target, "default").Add(c => c.Threshold, 0.65)
            .Add(c => c.Changed, result => changed.TrySetResult(result)));

        Assert.Single(cut.FindAll("#threshold-form-default"));
        Assert.Empty(cut.FindAll("#confirm-default"));
        // The async forms await each handler's task: MudBlazor's fields update their value asynchronously, so the
        // synchronous Change() can return before the value is bound (a CI run once saw the confirmation without θ = 0.8).
        await cut.Find("input#threshold-default").ChangeAsync(new() { Value = "0.8" });
        await cut.Find("input#reason-default").ChangeAsync(new() { Value = "fewer offloads on the night shift" });
        await cut.Find("#apply-default").ClickAsync(new());
        Assert.Contains("Set fleet default to θ = 0.8", cut.Markup, StringComparison.Ordinal);
        await cut.Find("#confirm-default").ClickAsync(new());

        var result = await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(result.Error);
        Assert.Equal(0.8, result.After!.Threshold);
        await using var db = database.Open();
        Assert.Equal(0.8, (await db.Fleets.SingleAsync(f => f.Name == "default")).Config.Threshold);
        var audit = await db.Audit.SingleAsync(a => a.Action == "fleet.config");
        Assert.Equal(("admin", "fleet", "default", "fewer offloads on the night shift"), (audit.Actor, audit.Scope, audit.Target, audit.Reason));
    }

    private static void AddConfigService(BunitContext ctx, TempDatabase database)
    {
        ctx.Services.AddDbContextFactory<HiPortalDb>(o => o.UseSqlite(database.ConnectionString));
        ctx.Services.AddSingleton<ConfigNotifier>();
        ctx.Services.AddSingleton(TimeProvider.System);
        ctx.Services.AddSingleton(new WriteGate(exclusive: true));
        ctx.Services.AddSingleton<ConfigService>();
    }
}
