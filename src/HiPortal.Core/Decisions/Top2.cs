namespace HiPortal.Core.Decisions;

/// <summary>The predicted class with the largest and second-largest class probabilities.</summary>
public readonly record struct Top2(int Class, float P1, float P2);
