using Bunit;
using HiPortal.Core.Calibration;
using HiPortal.Server.Dashboard.Components;
using HiPortal.Server.Stats;
using Microsoft.AspNetCore.Components;

namespace HiPortal.Dashboard.Tests.Components;

/// <summary>The dashboard's charts as MudBlazor renders them: titled axes with ticks, legends, and tooltips with values.</summary>
public sealed class ChartTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TimeChart_HasATimeAxisWithTicks_AYAxisWithItsUnit_ALegend_AndATooltipWithTheExactValue()
    {
        await using var ctx = ComponentContext.Create();
        var hi = new ChartLine("HI", Enumerable.Range(0, 6).Select(i => (s_start.AddMinutes(i), (double?)(10 + i))).ToList());
        var full = new ChartLine("full offload", Enumerable.Range(0, 6).Select(i => (s_start.AddMinutes(i), i == 2 ? null : (double?)42.25)).ToList());

        var cut = ctx.Render<TimeChart>(p => p.Add(c => c.Id, "latency").Add(c => c.Title, "Latency").Add(c => c.YAxis, "latency (ms)")
            .Add(c => c.Unit, "ms").Add(c => c.Format, "0.00").Add(c => c.Lines, [hi, full]));
        cut.WaitForState(() => cut.FindAll("#latency path.mud-chart-line").Count == 2);

        Assert.Equal(["time (UTC)", "latency (ms)"], AxisTitles(cut, "latency"));
        // Five minutes of data: a tick a minute, in UTC.
        Assert.Equal(["12:00", "12:01", "12:02", "12:03", "12:04", "12:05"], cut.FindAll("#latency g.mud-charts-xaxis text").Select(t => t.TextContent));
        var yTicks = cut.FindAll("#latency g.mud-charts-yaxis text").Select(t => t.TextContent).ToList();
        Assert.Equal("0.00", yTicks[0]);
        Assert.Contains("50.00", yTicks);
        Assert.Equal(["HI", "full offload"], cut.FindAll("#latency .mud-chart-legend-item").Select(l => l.TextContent.Trim()));
        Assert.Contains("15.00 ms / 42.25 ms", cut.Find("#latency .chart-latest").TextContent, StringComparison.Ordinal);

        // The hover targets: one per drawn point (the null bucket draws none).
        var points = cut.FindAll("#latency circle[blazor\\:onmouseover]");
        Assert.Equal(11, points.Count);
        var tooltip = Hover(cut, points[3], "latency");
        Assert.Contains("HI at 12:03:00", tooltip, StringComparison.Ordinal);
        Assert.Contains("13.00 ms", tooltip, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TradeoffChart_MarksTheCurrentThreshold_AsItsOwnSeries_WithItsValuesInTheTooltip()
    {
        await using var ctx = ComponentContext.Create();
        TradeoffPoint[] curve = [new(0.5, 0.1, 0.80), new(0.7, 0.3, 0.90), new(0.9, 0.6, 0.95)];

        var cut = ctx.Render<TradeoffChart>(p => p.Add(c => c.Id, "tradeoff").Add(c => c.Points, curve).Add(c => c.Current, curve[1]));
        cut.WaitForState(() => cut.FindAll("#tradeoff circle[blazor\\:onmouseover]").Count == 4);

        Assert.Equal(["samples offloaded (%)", "accuracy (%)"], AxisTitles(cut, "tradeoff"));
        Assert.Contains("100", cut.FindAll("#tradeoff g.mud-charts-yaxis text").Select(t => t.TextContent));
        Assert.Contains("60", cut.FindAll("#tradeoff g.mud-charts-xaxis text").Select(t => t.TextContent));
        Assert.Equal(["accuracy at each θ", "current θ = 0.7"], cut.FindAll("#tradeoff .mud-chart-legend-item").Select(l => l.TextContent.Trim()));
        Assert.Equal("Current θ = 0.7: 30.0 % offloaded, 90.0 % accurate", cut.Find("#tradeoff .tradeoff-current").TextContent.Trim());

        var tooltip = Hover(cut, cut.FindAll("#tradeoff circle[blazor\\:onmouseover]")[^1], "tradeoff");
        Assert.Contains("current θ = 0.7: 30 % offloaded", tooltip, StringComparison.Ordinal);
        Assert.Contains("90.0 % accurate", tooltip, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfidenceHistogram_LabelsEveryBinWithItsRange_AndShowsTheCountOnHover()
    {
        await using var ctx = ComponentContext.Create();

        var cut = ctx.Render<ConfidenceHistogram>(p => p.Add(c => c.Id, "hist").Add(c => c.Counts, [0, 3, 7, 2]));
        cut.WaitForState(() => cut.FindAll("#hist path.mud-chart-bar").Count == 4);

        Assert.Equal(["0.00–0.25", "0.25–0.50", "0.50–0.75", "0.75–1.00"], cut.FindAll("#hist g.mud-charts-xaxis text").Select(t => t.TextContent));
        Assert.Equal(["local confidence", "offloaded samples"], AxisTitles(cut, "hist"));
        Assert.Contains("12 offloads", cut.Find("#hist").TextContent, StringComparison.Ordinal);

        var tooltip = Hover(cut, cut.FindAll("#hist path.mud-chart-bar")[2], "hist");
        Assert.Contains("confidence 0.50–0.75", tooltip, StringComparison.Ordinal);
        Assert.Contains("7 samples", tooltip, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfusionTable_NamesClassesFromTheCard_AndPutsEachCountInItsCell()
    {
        await using var ctx = ComponentContext.Create();
        var matrix = new ConfusionMatrix("vibration-large", "1.0.0", [0, 2], [0, 1, 2],
            new Dictionary<(int Local, int Server), long> { [(0, 0)] = 5, [(0, 1)] = 2, [(2, 2)] = 4, [(2, 0)] = 1 })
        {
            ClassNames = ["normal", "imbalance"],
        };

        var cut = ctx.Render<ConfusionTable>(p => p.Add(c => c.Id, "confusion").Add(c => c.Matrices, [matrix]));

        // Class 2 is past the card's names: it shows as its index rather than failing.
        Assert.Equal(["normal", "imbalance", "2"], cut.FindAll("#confusion thead th[data-class]").Select(t => t.TextContent));
        Assert.Equal(["normal", "2"], cut.FindAll("#confusion tbody th").Select(t => t.TextContent));
        Assert.Equal(["5", "2", "0", "1", "0", "4"], cut.FindAll("#confusion tbody td").Select(t => t.TextContent));
        Assert.Equal("2", cut.Find("#confusion td[data-local='0'][data-server='1']").TextContent);
        Assert.Contains("12 offloads, 9 agreed (75.0 %)", cut.Find("#confusion").TextContent, StringComparison.Ordinal);
    }

    private static string[] AxisTitles<T>(IRenderedComponent<T> cut, string chart) where T : IComponent =>
        cut.FindAll($"#{chart} text.mud-charts-xaxis, #{chart} text.mud-charts-yaxis").Select(t => t.TextContent).ToArray();

    // MudBlazor draws the tooltip of the hovered point into the chart's tooltip group.
    private static string Hover<T>(IRenderedComponent<T> cut, AngleSharp.Dom.IElement target, string chart) where T : IComponent
    {
        target.MouseOver();
        return cut.Find($"#{chart} g.mud-charts-tooltip").TextContent;
    }
}
