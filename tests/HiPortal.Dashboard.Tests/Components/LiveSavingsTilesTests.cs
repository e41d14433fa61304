using System.Reflection;
using Bunit;
using HiPortal.Server.Dashboard.Components;
using HiPortal.Server.Live;
using Microsoft.Extensions.DependencyInjection;

namespace HiPortal.Dashboard.Tests.Components;

public sealed class LiveSavingsTilesTests
{
    [Fact]
    public async Task StartsFromTheLatestSnapshot_AndFollowsItsFleetOnly()
    {
        await using var ctx = ComponentContext.Create();
        var notifier = new LiveNotifier();
        ctx.Services.AddSingleton(notifier);
        await notifier.PublishAsync(Snapshots.For("lab", devicesOnline: 1));

        var cut = ctx.Render<LiveSavingsTiles>(p => p.Add(c => c.Fleet, "lab"));
        string Online() => cut.Find("#tile-online .tile-value").TextContent;
        Assert.Equal("1", Online());

        await notifier.PublishAsync(Snapshots.For("other", devicesOnline: 7));
        await notifier.PublishAsync(Snapshots.For("*", devicesOnline: 8));
        Assert.Equal("1", Online());

        await notifier.PublishAsync(Snapshots.For("lab", devicesOnline: 4) with { OffloadRate = 0.35 });
        cut.WaitForAssertion(() => Assert.Equal("4", Online()));
        Assert.Equal("35.0 %", cut.Find("#tile-offload .tile-value").TextContent);
    }

    [Fact]
    public async Task Unsubscribes_WhenDisposed()
    {
        await using var ctx = ComponentContext.Create();
        var notifier = new LiveNotifier();
        ctx.Services.AddSingleton(notifier);
        ctx.Render<LiveSavingsTiles>(p => p.Add(c => c.Fleet, "lab"));
        Assert.Equal(1, Subscribers(notifier));

        await ctx.DisposeComponentsAsync();

        // A closed circuit's component left subscribed would be kept alive by the singleton notifier for ever.
        Assert.Equal(0, Subscribers(notifier));
    }

    // The event's backing field: the notifier does not expose its subscribers otherwise.
    private static int Subscribers(LiveNotifier notifier) =>
        (typeof(LiveNotifier).GetField(nameof(LiveNotifier.SnapshotPublished), BindingFlags.Instance | BindingFlags.NonPublic)!
            .GetValue(notifier) as Delegate)?.GetInvocationList().Length ?? 0;
}
