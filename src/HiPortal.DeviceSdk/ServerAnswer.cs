namespace HiPortal.DeviceSdk;

/// <summary>The large model's answer for an offloaded sample, as the server stored it.</summary>
/// <param name="SampleId">The id the device sent.</param>
/// <param name="PredictedClass">The large model's class.</param>
/// <param name="Confidence">Its top probability.</param>
/// <param name="Probabilities">Its class probabilities.</param>
/// <param name="AgreesWithLocal">True when it matches the tiny model's class.</param>
/// <param name="Model">The server model's name.</param>
/// <param name="ModelVersion">The server model's version.</param>
/// <param name="BatchSize">How many samples the server ran together.</param>
/// <param name="QueueMicros">Time the sample waited in the server's queue.</param>
/// <param name="InferenceMicros">Time of the server's batch inference.</param>
/// <param name="Replayed">True when the server had stored this sample before (a retry) and answered from storage.</param>
/// <param name="ConfigVersion">The device's desired configuration version at the server.</param>
public sealed record ServerAnswer(
    string SampleId,
    int PredictedClass,
    float Confidence,
    float[] Probabilities,
    bool AgreesWithLocal,
    string Model,
    string ModelVersion,
    int BatchSize,
    long QueueMicros,
    long InferenceMicros,
    bool Replayed,
    long ConfigVersion);
