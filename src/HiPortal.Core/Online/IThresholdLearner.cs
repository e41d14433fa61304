namespace HiPortal.Core.Online;

/// <summary>
/// An online learner of the offload threshold θ, one round per sample: <see cref="Decide"/> on the sample's
/// local confidence, then <see cref="Observe"/> what the round revealed. HIL-F, HIL-N and HI-LCB-lite implement it,
/// so the CLI, the tests and the server's advisor can run any of them on the same feedback.
/// </summary>
public interface IThresholdLearner
{
    /// <summary>A short display name, e.g. "HI-LCB-lite".</summary>
    string Name { get; }

    /// <summary>The single θ to hand to devices now (offload iff confidence &lt; θ).</summary>
    double CurrentThreshold { get; }

    /// <summary>Opens a round: whether the learner offloads a sample of this local confidence.</summary>
    OnlineDecision Decide(double confidence);

    /// <summary>Closes the round opened by <see cref="Decide"/> with what it revealed.</summary>
    void Observe(RoundFeedback feedback);

    /// <summary>Forgets everything learned, as after a detected drift: the learner starts again from its prior.</summary>
    void Reset();
}

/// <summary>What one round revealed to the learner.</summary>
/// <param name="Confidence">The sample's local confidence (always known: the device reports it).</param>
/// <param name="Offloaded">The sample went to the large model: by the learner's decision or as an exploration offload.</param>
/// <param name="Explored">It was offloaded only as an exploration offload (the learner would have kept it).</param>
/// <param name="TinyWrong">
/// Whether the local answer was wrong, when revealed: for an offloaded sample, disagreement with the large model
/// (or the label); for a kept sample only under <see cref="FeedbackMode.Labels"/>; otherwise null.
/// </param>
public readonly record struct RoundFeedback(double Confidence, bool Offloaded, bool Explored, bool? TinyWrong);
