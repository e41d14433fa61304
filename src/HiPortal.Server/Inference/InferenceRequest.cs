using System.Buffers;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.Inference;

public enum InferenceStatus
{
    Completed,
    Expired,
    Failed,
    /// <summary>Another request stored a decision for the same device and sample id first.</summary>
    AlreadyStored,
}

public sealed record InferenceResult(
    float[] Probabilities,
    float[] Logits,
    int PredictedClass,
    float Confidence,
    int BatchSize,
    long QueueMicros,
    long InferenceMicros);

public sealed record InferenceOutcome(
    InferenceStatus Status,
    InferenceResult? Result = null,
    string? Error = null,
    StoredDecision? Stored = null);

/// <summary>
/// One sample waiting for the large model. Its input is a pooled buffer the worker returns after copying it into
/// the batch; ingest requests also carry the decision to store before the caller is answered.
/// </summary>
public sealed class InferenceRequest
{
    private readonly TaskCompletionSource<InferenceOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private InferenceRequest(float[] input, long enqueuedAt, long deadline, PendingDecision? decision)
    {
        Input = input;
        EnqueuedAt = enqueuedAt;
        Deadline = deadline;
        Decision = decision;
    }

    /// <summary>One decoded sample (the served model's sample length), rented from <see cref="ArrayPool{T}.Shared"/>; null once returned.</summary>
    public float[]? Input { get; private set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when queued.</summary>
    public long EnqueuedAt { get; }

    /// <summary>Timestamp after which the request must not run.</summary>
    public long Deadline { get; }

    public PendingDecision? Decision { get; }

    /// <summary>Set by the worker once the model has run.</summary>
    public InferenceResult? Result { get; set; }

    public Task<InferenceOutcome> Completion => _completion.Task;

    /// <summary>The model version that ran it (set by the worker), which a hot swap may make another than the routed one.</summary>
    public ServedModel? AnsweredBy { get; set; }

    public static InferenceRequest Create(float[] rentedInput, TimeProvider time, TimeSpan deadline, PendingDecision? decision = null)
    {
        var now = time.GetTimestamp();
        var ticks = (long)(deadline.TotalSeconds * time.TimestampFrequency);
        return new InferenceRequest(rentedInput, now, now + ticks, decision);
    }

    public void ReturnInput()
    {
        if (Input is { } input)
        {
            Input = null;
            ArrayPool<float>.Shared.Return(input);
        }
    }

    public void Complete(InferenceOutcome outcome)
    {
        ReturnInput();
        _completion.TrySetResult(outcome);
    }
}
