using HiPortal.Core.Evaluation;
using HiPortal.Core.Online;
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

    public static void Write(OnlineComparisonReport report)
    {
        var table = new Table().Title(
            $"Online threshold learning over {report.Rounds:N0} shuffled test samples (β = {report.Beta}, seed {report.Seed}; regret against the best fixed θ in hindsight)");
        table.AddColumns("feedback", "ε", "learner", "cumulative cost", "best fixed θ", "its cost", "excess", "exploration offloads", "their extra cost", "final θ", "offload", "accuracy");
        foreach (var column in table.Columns.Skip(3))
            column.RightAligned();
        foreach (var r in report.Runs)
        {
            var name = r.Learner == report.Recommended ? $"[bold]{r.Learner}[/]" : r.Learner;
            table.AddRow(Feedback(r.Feedback), $"{r.Epsilon:P0}", name, $"{r.CumulativeCost:0.0}", $"{r.BestFixedThreshold:0.000}",
                $"{r.BestFixedCost:0.0}", $"{r.ExcessCostFraction:P2}", $"{r.ExplorationOffloads:N0}", $"{r.ExplorationExtraCost:0.0}",
                $"{r.FinalThreshold:0.000}", $"{r.OffloadFraction:P1}", $"{r.Accuracy:P2}");
        }

        AnsiConsole.Write(table);
    }

    public static string Feedback(FeedbackMode mode) => mode == FeedbackMode.Labels ? "labels" : "large only";
}
