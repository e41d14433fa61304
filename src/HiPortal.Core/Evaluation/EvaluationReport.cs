using HiPortal.Core.Calibration;
using HiPortal.Core.Savings;

namespace HiPortal.Core.Evaluation;

/// <summary>One row of the evaluation table: a policy applied to the test set.</summary>
public sealed record OperatingPoint(
    string Name,
    string Rule,
    string ChosenBy,
    double? Threshold,
    double Accuracy,
    double OffloadFraction,
    SavingsEstimate Savings);

public sealed record EvaluationReport(
    int CalibrationCount,
    int TestCount,
    double TinyAccuracyCalibration,
    double LargeAccuracyCalibration,
    double TinyAccuracy,
    double LargeAccuracy,
    IReadOnlyList<double> LogisticCoefficients,
    IReadOnlyList<OperatingPoint> Points,
    IReadOnlyList<TradeoffPoint> MaxSoftmaxCurve,
    IReadOnlyList<TradeoffPoint> LogisticCurve,
    EvaluationSettings Settings);
