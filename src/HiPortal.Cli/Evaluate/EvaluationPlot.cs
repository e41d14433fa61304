using HiPortal.Core.Evaluation;
using ScottPlot;

namespace HiPortal.Cli.Evaluate;

/// <summary>HI accuracy against offload fraction with the operating points marked (PNG and SVG).</summary>
internal static class EvaluationPlot
{
    public static IReadOnlyList<string> Write(EvaluationReport report, OnlineReport? online, string directory)
    {
        var written = new List<string>();
        var plot = new Plot();
        var ms = plot.Add.ScatterLine(
            report.MaxSoftmaxCurve.Select(p => p.OffloadFraction * 100).ToArray(),
            report.MaxSoftmaxCurve.Select(p => p.Accuracy * 100).ToArray());
        ms.LegendText = "HI, max-softmax θ";
        ms.LineWidth = 2;
        var lr = plot.Add.ScatterLine(
            report.LogisticCurve.Select(p => p.OffloadFraction * 100).ToArray(),
            report.LogisticCurve.Select(p => p.Accuracy * 100).ToArray());
        lr.LegendText = "HI, top-2 LR cut";
        lr.LineWidth = 2;
        var large = plot.Add.HorizontalLine(report.LargeAccuracy * 100);
        large.LegendText = $"large alone {report.LargeAccuracy:P2}";
        large.Color = Colors.Gray;
        var shapes = new[] { MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleUp, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.Cross };
        var i = 0;
        foreach (var p in report.Points)
        {
            var marker = plot.Add.Marker(p.OffloadFraction * 100, p.Accuracy * 100, shapes[i++ % shapes.Length], 9);
            marker.LegendText = $"{p.Name}: {p.Accuracy:P2} @ {p.OffloadFraction:P1}";
        }

        plot.Title("Fashion-MNIST test: HI accuracy vs offloaded samples");
        plot.XLabel("offloaded samples (%)");
        plot.YLabel("accuracy (%)");
        plot.Axes.SetLimits(-2, 102, Math.Floor(report.TinyAccuracy * 100) - 1, Math.Ceiling(report.LargeAccuracy * 100) + 0.5);
        plot.ShowLegend(Alignment.LowerRight);
        written.Add(Save(plot, directory, "evaluation"));

        if (online is not null)
        {
            var regret = new Plot();
            var xs = online.Curve.Select(c => (double)c.Rounds).ToArray();
            var f = regret.Add.ScatterLine(xs, online.Curve.Select(c => c.HilFRegretPerRound).ToArray());
            f.LegendText = "HIL-F";
            var n = regret.Add.ScatterLine(xs, online.Curve.Select(c => c.HilNRegretPerRound).ToArray());
            n.LegendText = "HIL-N";
            regret.Title($"Regret per sample vs best fixed θ (β = {online.Beta})");
            regret.XLabel("samples");
            regret.YLabel("regret / sample");
            regret.ShowLegend(Alignment.UpperRight);
            written.Add(Save(regret, directory, "online-regret"));
        }

        return written;
    }

    private static string Save(Plot plot, string directory, string name)
    {
        var png = Path.Combine(directory, name + ".png");
        plot.SavePng(png, 1000, 650);
        var svg = Path.Combine(directory, name + ".svg");
        plot.SaveSvg(svg, 1000, 650);
        return $"{png}, {svg}";
    }
}
