using System.Globalization;
using Bunit;
using HiPortal.Server.Dashboard.Components;

namespace HiPortal.Dashboard.Tests.Components;

public sealed class LineChartTests
{
    [Fact]
    public async Task DrawsAPolylinePerSeries_SplitAtGaps_InTheSeriesColours()
    {
        await using var ctx = ComponentContext.Create();

        var cut = ctx.Render<LineChart>(p => p.Add(c => c.Id, "chart").Add(c => c.Title, "Offload rate")
            .Add(c => c.Series, [[0.1, 0.2, null, 0.3, 0.4], [0.5, 0.5, 0.5]])
            .Add(c => c.Legend, ["a", "b"]));

        var lines = cut.FindAll("#chart svg polyline");
        Assert.Equal(3, lines.Count);
        Assert.Equal(["#1565c0", "#1565c0", "#b45309"], lines.Select(l => l.GetAttribute("stroke")));
        // Two points each side of the gap; x runs over the longest series' indexes (0..4 over 600 units).
        Assert.Equal(["0", "150", "450", "600"], lines.Take(2).SelectMany(l => l.GetAttribute("points")!.Split(' ')).Select(p => p.Split(',')[0]));
        Assert.Empty(cut.FindAll("circle.operating-point"));
        Assert.Contains("0.40 / 0.50", cut.Find("#chart").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrawsTheOperatingPoint_WhenGivenAMarker()
    {
        await using var ctx = ComponentContext.Create();

        var cut = ctx.Render<LineChart>(p => p.Add(c => c.Id, "tradeoff").Add(c => c.Min, 0.0).Add(c => c.Max, 1.0)
            .Add(c => c.Xs, [0.0, 0.5, 1.0]).Add(c => c.Series, [[0.8, 0.9, 0.95]])
            .Add(c => c.MarkerX, 0.25).Add(c => c.MarkerY, 0.5));

        Assert.Single(cut.FindAll("#tradeoff polyline"));
        var marker = cut.Find("#tradeoff circle.operating-point");
        Assert.Equal(("150", "80"), (marker.GetAttribute("cx"), marker.GetAttribute("cy")));
    }

    [Fact]
    public async Task WritesSvgCoordinatesWithADecimalPoint_WhateverTheServerCulture()
    {
        await using var ctx = ComponentContext.Create();
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

        var cut = ctx.Render<LineChart>(p => p.Add(c => c.Id, "chart").Add(c => c.Min, 0.0).Add(c => c.Max, 7.0)
            .Add(c => c.Series, [[1.0, 2.0, 3.0, 1.5]]).Add(c => c.MarkerX, 1.0).Add(c => c.MarkerY, 1.3));

        var marker = cut.Find("circle.operating-point");
        Assert.Equal(("200", "127.1"), (marker.GetAttribute("cx"), marker.GetAttribute("cy")));
        Assert.Matches(@"^\d+(\.\d+)?,\d+(\.\d+)?( \d+(\.\d+)?,\d+(\.\d+)?){3}$", cut.Find("polyline").GetAttribute("points")!);
    }
}
