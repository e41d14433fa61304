namespace HiPortal.Core.Online;

/// <summary>One round's decision by an online threshold learner.</summary>
/// <param name="Offload">Whether the sample goes to the large model.</param>
/// <param name="OffloadProbability">The probability with which the learner offloads this sample.</param>
/// <param name="Threshold">The threshold θ drawn for this round (offload iff confidence &lt; θ).</param>
public readonly record struct OnlineDecision(bool Offload, double OffloadProbability, double Threshold);
