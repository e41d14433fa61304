using Bunit;
using HiPortal.Server.Dashboard.Components;

namespace HiPortal.Dashboard.Tests.Components;

public sealed class SavingsTilesTests
{
    [Fact]
    public async Task RendersEveryFigureOfTheSnapshot_AsPercentagesCountsAndRates()
    {
        await using var ctx = ComponentContext.Create();

        var cut = ctx.Render<SavingsTiles>(p => p.Add(c => c.Snapshot, Snapshots.For("lab")));

        string Value(string tile) => cut.Find($"#tile-{tile} .tile-value").TextContent;
        string Text(string tile) => cut.Find($"#tile-{tile}").TextContent;
        Assert.Equal("3", Value("online"));
        Assert.Contains("of 5", Text("online"));
        Assert.Equal("12.5", Value("samples"));
        Assert.Contains("2.5 offloads / s", Text("samples"));
        Assert.Equal("20.0 %", Value("offload"));
        Assert.Equal("75.0 %", Value("bandwidth"));
        Assert.Contains("3.0 MiB in 60 s", Text("bandwidth"));
        Assert.Equal("12.3 ms", Value("latency"));
        Assert.Contains("full offload 40.0 ms", Text("latency"));
        Assert.Equal("50.0 %", Value("energy"));
        Assert.Equal("87.5 %", Value("agreement"));
        Assert.Equal("90.0 %", Value("accuracy"));
        Assert.Contains("150 labelled offloads", Text("accuracy"));
        Assert.Equal("7", Value("queue"));
        Assert.Equal("3.4", Value("batch"));
    }

    [Fact]
    public async Task ShowsDashes_BeforeTheFirstSnapshot_AndForFiguresWithoutData()
    {
        await using var ctx = ComponentContext.Create();

        var empty = ctx.Render<SavingsTiles>();
        var noOffloads = ctx.Render<SavingsTiles>(p => p.Add(c => c.Snapshot,
            Snapshots.For("lab") with { AgreementRate = null, ServerAccuracyOnOffloads = null, MeanBatchSize = null }));

        Assert.Equal(10, empty.FindAll(".tile-value").Count);
        Assert.All(empty.FindAll(".tile-value"), v => Assert.Equal("–", v.TextContent));
        Assert.Equal("–", noOffloads.Find("#tile-agreement .tile-value").TextContent);
        Assert.Equal("–", noOffloads.Find("#tile-accuracy .tile-value").TextContent);
        Assert.Equal("–", noOffloads.Find("#tile-batch .tile-value").TextContent);
        Assert.Equal("75.0 %", noOffloads.Find("#tile-bandwidth .tile-value").TextContent);
    }
}
