using HiPortal.Core.Calibration;
using HiPortal.Core.Decisions;
using HiPortal.Core.Savings;

namespace HiPortal.Core.Evaluation;

/// <summary>
/// The offline HI evaluation: thresholds are chosen on the calibration split and then applied, unchanged, to
/// the test split (choosing on the test set would flatter every rule).
/// </summary>
public static class HiEvaluator
{
    public static EvaluationReport Run(
        ModelOutputs tinyCalibration,
        ModelOutputs largeCalibration,
        ModelOutputs tinyTest,
        ModelOutputs largeTest,
        EvaluationSettings settings)
    {
        var maxSoftmax = new MaxSoftmaxRule(0.5);
        var calibrationCurve = Curve(maxSoftmax, tinyCalibration, largeCalibration);
        var testCurve = Curve(maxSoftmax, tinyTest, largeTest);

        var logistic = FitLogistic(tinyCalibration);
        var logisticCalibrationCurve = Curve(logistic, tinyCalibration, largeCalibration);
        var logisticTestCurve = Curve(logistic, tinyTest, largeTest);

        var target = calibrationCurve.LargeAccuracy - (settings.TargetGapPoints / 100.0);
        var byTarget = calibrationCurve.ChooseForTargetAccuracy(target);
        var byBudget = calibrationCurve.ChooseForOffloadBudget(settings.OffloadBudget);
        var byCost = calibrationCurve.ChooseForMinimumCost(settings.Beta);
        var logisticMatched = logisticCalibrationCurve.ChooseForOffloadBudget(byTarget.OffloadFraction);

        OperatingPoint Point(string name, string rule, string chosenBy, double? threshold, double accuracy, double f) =>
            new(name, rule, chosenBy, threshold, accuracy, f, Cost(f, settings));

        OperatingPoint Apply(string name, string rule, string chosenBy, TradeoffCurve test, double threshold)
        {
            var p = test.Evaluate(threshold);
            return Point(name, rule, chosenBy, threshold, p.Accuracy, p.OffloadFraction);
        }

        // Full offload never runs the tiny model: its latency and energy are the radio's and the server's only.
        var fullOffload = Cost(1, settings);
        fullOffload = fullOffload with
        {
            LatencyHiSeconds = fullOffload.LatencyFullOffloadSeconds,
            LatencySavedFraction = 0,
            EnergyHiJoules = fullOffload.EnergyFullOffloadJoules,
            EnergySavedFraction = 0,
        };
        var points = new List<OperatingPoint>
        {
            Point("S-ML only (tiny on device)", "none", "-", null, testCurve.TinyAccuracy, 0),
            new("L-ML only (full offload)", "none", "-", null, testCurve.LargeAccuracy, 1, fullOffload),
            Apply("HI max-softmax, target accuracy", maxSoftmax.Name,
                $"calibration acc >= large - {settings.TargetGapPoints:0.##} pt", testCurve, byTarget.Threshold),
            Apply("HI max-softmax, offload budget", maxSoftmax.Name,
                $"calibration offload <= {settings.OffloadBudget:P0}", testCurve, byBudget.Threshold),
            Apply("HI max-softmax, min cost", maxSoftmax.Name,
                $"min beta*f + errors, beta = {settings.Beta:0.###}", testCurve, byCost.Threshold),
            Apply("HI top-2 LR, s < 0.5", logistic.Name, "LR fitted on calibration", logisticTestCurve, logistic.Cut),
            Apply("HI top-2 LR, same offload as target", logistic.Name,
                $"calibration offload <= {byTarget.OffloadFraction:P1}", logisticTestCurve, logisticMatched.Threshold),
        };

        return new EvaluationReport(
            tinyCalibration.Count,
            tinyTest.Count,
            calibrationCurve.TinyAccuracy,
            calibrationCurve.LargeAccuracy,
            testCurve.TinyAccuracy,
            testCurve.LargeAccuracy,
            [logistic.Bias, logistic.W1, logistic.W2],
            points,
            Downsample(testCurve.Points, 400),
            Downsample(logisticTestCurve.Points, 400),
            settings);
    }

    public static Top2LogisticRule FitLogistic(ModelOutputs tinyCalibration)
    {
        var features = new (float P1, float P2)[tinyCalibration.Count];
        for (var i = 0; i < features.Length; i++)
        {
            var top = Probabilities.Top2(tinyCalibration.ProbabilitiesOf(i));
            features[i] = (top.P1, top.P2);
        }

        return Top2LogisticRule.Fit(features, tinyCalibration.CorrectFlags());
    }

    public static SavingsEstimate Cost(double offloadFraction, EvaluationSettings settings) =>
        SavingsModel.Estimate(offloadFraction, settings.SampleBytes, settings.ResponseBytes, settings.Profile,
            settings.ServerQueueSeconds, settings.ServerInferenceSeconds);

    private static TradeoffCurve Curve(IOffloadRule rule, ModelOutputs tiny, ModelOutputs large) =>
        TradeoffCurve.Build(tiny.Scores(rule), tiny.CorrectFlags(), large.CorrectFlags());

    private static List<TradeoffPoint> Downsample(IReadOnlyList<TradeoffPoint> points, int max)
    {
        if (points.Count <= max)
        {
            return [.. points];
        }

        var result = new List<TradeoffPoint>(max + 1);
        for (var i = 0; i < max; i++)
        {
            result.Add(points[(int)((long)i * (points.Count - 1) / (max - 1))]);
        }

        return result;
    }
}
