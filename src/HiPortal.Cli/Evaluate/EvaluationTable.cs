using HiPortal.Core.Evaluation;
using Spectre.Console;

namespace HiPortal.Cli.Evaluate;

/// <summary>The paper-style tables, printed with Spectre.Console.</summary>
internal static class EvaluationTable
{
    public static void Write(EvaluationReport report)
    {
        var s = report.Settings;
        var table = new Table().Title(
            $"HI on Fashion-MNIST test ({report.TestCount:N0} images; θ chosen on {report.CalibrationCount:N0} calibration images; profile {s.Profile.Name})");
        table.AddColumns("policy", "rule", "θ", "accuracy", "offload", "bandwidth saved", "mean latency", "device energy");
        foreach (var column in table.Columns.Skip(2))
        {
            column.RightAligned();
        }

        foreach (var p in report.Points)
        {
            table.AddRow(
                Markup.Escape(p.Name),
                p.Rule,
                p.Threshold is { } t ? $"{t:0.0000}" : "-",
                $"{p.Accuracy:P2}",
                $"{p.OffloadFraction:P1}",
                $"{p.Savings.BandwidthSavedFraction:P1}",
                $"{p.Savings.LatencyHiSeconds * 1000:0.00} ms",
                $"{p.Savings.EnergyHiJoules * 1000:0.000} mJ");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"calibration: tiny {report.TinyAccuracyCalibration:P2}, large {report.LargeAccuracyCalibration:P2}; top-2 LR s = σ({report.LogisticCoefficients[0]:0.###} + {report.LogisticCoefficients[1]:0.###}·p1 + {report.LogisticCoefficients[2]:0.###}·p2)");
        AnsiConsole.MarkupLineInterpolated(
            $"latency model: on-device {s.Profile.LocalInferenceSeconds * 1000:0.##} ms, large on server {s.ServerInferenceSeconds * 1000:0.###} ms (measured, batch 1), {s.SampleBytes} B up / {s.ResponseBytes} B down");
    }

    public static void Write(OnlineReport report)
    {
        var table = new Table().Title(
            $"Online threshold learning over {report.Rounds:N0} shuffled test samples (β = {report.Beta}, η = {report.Eta:0.####}, feedback: {report.Feedback})");
        table.AddColumns("learner", "learned θ", "cumulative cost", "best fixed θ", "its cost", "regret", "regret/sample", "offload", "accuracy");
        foreach (var l in report.Learners)
        {
            table.AddRow(l.Name, $"{l.FinalThreshold:0.0000}", $"{l.CumulativeCost:0.0}", $"{l.BestFixedThreshold:0.0000}",
                $"{l.BestFixedCost:0.0}", $"{l.Regret:0.0}", $"{l.RegretPerRound:0.00000}", $"{l.OffloadFraction:P1}", $"{l.Accuracy:P2}");
        }

        AnsiConsole.Write(table);
        var curve = new Table().Title("regret per sample as samples arrive");
        curve.AddColumns("samples", "HIL-F", "HIL-N");
        foreach (var c in report.Curve.Where((_, i) => i % 4 == 3 || i == report.Curve.Count - 1))
        {
            curve.AddRow($"{c.Rounds:N0}", $"{c.HilFRegretPerRound:0.00000}", $"{c.HilNRegretPerRound:0.00000}");
        }

        AnsiConsole.Write(curve);
    }
}
