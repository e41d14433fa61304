using Bunit;
using HiPortal.Server.Dashboard.Components;
using HiPortal.Server.Rollouts;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Dashboard.Tests.Components;

/// <summary>The rollout detail the Rollouts page shows, for a rollout made through the real admin API and evaluated by the real service.</summary>
public sealed class RolloutPanelTests
{
    [Fact]
    public async Task ShowsStagesGatesAndDevices_ActionsOnlyForAdmins_FollowingTheState()
    {
        await using var app = await HiPortalHost.StartAsync();
        using var admin = await app.CreateAdminAsync();
        await admin.CreateFleetAsync(new CreateFleetRequest("canary", Threshold: 0.6));
        for (var i = 0; i < 4; i++)
        {
            await admin.RegisterDeviceAsync($"canary-{i}", "canary");
        }

        var created = await admin.CreateRolloutAsync(new CreateRolloutRequest("canary", Threshold: 0.7,
            Stages: [new(50, MinSoakSeconds: 600, MinSamples: 100), new(100, 0, 100)],
            Gates: new(MinOffloadRate: 0.05, MaxOffloadRate: 0.5, AckTimeoutSeconds: 3600)));
        var id = created.GetProperty("rollout").GetProperty("id").GetInt64();
        // One gate evaluation: nothing has soaked or sampled yet, so the stage holds.
        await app.Services.GetRequiredService<RolloutService>().RunOnceAsync(CancellationToken.None);
        var queries = app.Services.GetRequiredService<RolloutQueries>();

        await using var ctx = ComponentContext.Create();
        var detail = (await queries.GetAsync(id, CancellationToken.None))!;
        var cut = ctx.Render<RolloutPanel>(p => p.Add(c => c.Detail, detail).Add(c => c.CanAct, false));

        Assert.Equal("running", cut.Find("#rollout-state").TextContent.Trim());
        Assert.Equal("stage 1 / 2", cut.Find("#rollout-stage").TextContent.Trim());
        Assert.Contains("threshold 0.7", cut.Find("#rollout-change").TextContent);
        Assert.Equal("2 devices changed, 0 rolled back", cut.Find("#rollout-devices-count").TextContent.Trim());
        Assert.Equal(2, cut.FindAll("#rollout-devices tbody tr").Count);
        var first = cut.Find("#rollout-stages tr[data-stage='0']").TextContent;
        Assert.Contains("50 %", first);
        Assert.Contains("600 s", first);
        Assert.Contains("pending", cut.Find("#rollout-verdict").TextContent);
        Assert.Contains("pending", cut.Find("#rollout-gates tr[data-gate='soak']").TextContent);
        Assert.Contains("≥ 100", cut.Find("#rollout-gates tr[data-gate='samples']").TextContent);
        Assert.Empty(cut.FindAll("#rollout-pause"));

        await admin.RolloutActionAsync(id, "pause", "checking");
        var pausedDetail = (await queries.GetAsync(id, CancellationToken.None))!;
        var paused = ctx.Render<RolloutPanel>(p => p.Add(c => c.Detail, pausedDetail).Add(c => c.CanAct, true));
        Assert.Equal("paused", paused.Find("#rollout-state").TextContent.Trim());
        Assert.Contains("checking", paused.Find("#rollout-status").TextContent);
        Assert.True(paused.Find("#rollout-pause").HasAttribute("disabled"));
        Assert.False(paused.Find("#rollout-resume").HasAttribute("disabled"));
        Assert.False(paused.Find("#rollout-abort").HasAttribute("disabled"));
    }
}
