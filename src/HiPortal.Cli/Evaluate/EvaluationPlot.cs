using HiPortal.Core.Evaluation;
using HiPortal.Core.Online;
using ScottPlot;

namespace HiPortal.Cli.Evaluate;

/// <summary>HI accuracy against offload fraction with the operating points marked (PNG and SVG).</summary>
internal static class EvaluationPlot
{
    public static IReadOnlyList<string> Write(EvaluationReport report, OnlineComparisonReport? online, string directory)
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
            written.Add(Save(OnlinePlot(online, regret: true), directory, "online-regret"));
            written.Add(Save(OnlinePlot(online, regret: false), directory, "online-cost"));
        }

        return written;
    }

    /// <summary>
    /// Every learner (one colour each) without labels at ε = 0 (solid) and 2 % (dashed), and with labels at ε = 0
    /// (dotted): regret, or cumulative cost beside the best fixed θ's (black).
    /// </summary>
    private static Plot OnlinePlot(OnlineComparisonReport online, bool regret)
    {
        var plot = new Plot();
        var colors = new[] { Colors.C0, Colors.C1, Colors.C2, Colors.C3 };
        var configurations = new[]
        {
            (Mode: FeedbackMode.LargeModelOnly, Epsilon: 0.0, Pattern: LinePattern.Solid),
            (Mode: FeedbackMode.LargeModelOnly, Epsilon: 0.02, Pattern: LinePattern.Dashed),
            (Mode: FeedbackMode.Labels, Epsilon: 0.0, Pattern: LinePattern.Dotted),
        };
        var learners = online.Runs.Select(r => r.Learner).Distinct().ToArray();
        foreach (var (mode, epsilon, pattern) in configurations)
        {
            foreach (var run in online.Runs.Where(r => r.Feedback == mode && r.Epsilon == epsilon))
            {
                if (!regret && mode == FeedbackMode.Labels)
                    continue; // labels judge the large model too: another cost scale
                var xs = run.Curve.Select(c => (double)c.Rounds).ToArray();
                var ys = run.Curve.Select(c => regret ? c.Regret : c.CumulativeCost).ToArray();
                var line = plot.Add.ScatterLine(xs, ys);
                line.Color = colors[Array.IndexOf(learners, run.Learner) % colors.Length];
                line.LinePattern = pattern;
                line.LineWidth = 2;
                line.LegendText = $"{run.Learner}, {EvaluationTable.Feedback(mode)}, ε = {epsilon:P0}: {run.ExcessCostFraction:P1} over best θ";
            }
        }

        if (!regret)
        {
            var best = online.Runs.First(r => r.Feedback == FeedbackMode.LargeModelOnly);
            var line = plot.Add.ScatterLine(best.Curve.Select(c => (double)c.Rounds).ToArray(), best.Curve.Select(c => c.BestFixedCost).ToArray());
            line.Color = Colors.Black;
            line.LineWidth = 2;
            line.LegendText = "best fixed θ in hindsight (same prefix)";
        }

        plot.Title(regret
            ? $"Online regret vs the best fixed θ in hindsight (β = {online.Beta}, {online.Rounds:N0} shuffled test samples)"
            : $"Cumulative cost without local labels (β = {online.Beta})");
        plot.XLabel("samples");
        plot.YLabel(regret ? "cumulative cost − best fixed θ's cost" : "cumulative cost (β per offload, 1 per wrong kept answer)");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
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
