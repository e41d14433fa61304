namespace HiPortal.Core.Decisions;

/// <summary>Decides, from the tiny model's class probabilities, whether a sample goes to the large model.</summary>
public interface IOffloadRule
{
    /// <summary>The rule's configuration name, one of <see cref="OffloadRules.KnownNames"/>.</summary>
    string Name { get; }

    /// <summary>True when the tiny model is not confident enough and the sample should be offloaded.</summary>
    bool ShouldOffload(ReadOnlySpan<float> probabilities);

    /// <summary>The local confidence the rule compares with its threshold; higher means keep the answer local.</summary>
    double Score(ReadOnlySpan<float> probabilities);
}
