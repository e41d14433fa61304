using HiPortal.Core.Savings;

namespace HiPortal.Core.Evaluation;

/// <summary>How operating points are chosen (on the calibration split) and costed.</summary>
public sealed record EvaluationSettings
{
    /// <summary>"Within this many accuracy points of the large model" for the target-accuracy rule.</summary>
    public double TargetGapPoints { get; init; } = 1.0;

    /// <summary>Largest fraction of samples the budget rule may offload.</summary>
    public double OffloadBudget { get; init; } = 0.2;

    /// <summary>Cost of one offload relative to a misclassification (cost 1).</summary>
    public double Beta { get; init; } = 0.3;

    public DeviceProfile Profile { get; init; } = DeviceProfiles.Get("esp32-wifi");

    /// <summary>Bytes a device sends per offload: one sample in the tiny model's wire datatype
    /// (<see cref="Inference.ModelSignature.SampleBytes"/>).</summary>
    public int SampleBytes { get; init; }

    /// <summary>Bytes of the server's answer (class, confidence, 10 probabilities as JSON, measured ~ 320).</summary>
    public int ResponseBytes { get; init; } = 320;

    public double ServerQueueSeconds { get; init; }

    /// <summary>Large-model time per sample on the server; the CLI measures it before costing.</summary>
    public double ServerInferenceSeconds { get; init; } = 0.002;
}
