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
/// the batch; ingest requests also carry the decision to store before the caller is answered. Once queued, its
/// deadline is a timer of its own: the caller is answered when it passes, even while a batch holding it is running.
/// </summary>
public sealed class InferenceRequest
{
    private static readonly InferenceOutcome s_deadlinePassed =
        new(InferenceStatus.Expired, Error: "deadline exceeded while waiting for the model");

    private readonly TaskCompletionSource<InferenceOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private ITimer? _deadlineTimer;

    private InferenceRequest(float[] input, TimeProvider time, long enqueuedAt, long deadline, PendingDecision? decision)
    {
        Input = input;
        _time = time;
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

    /// <summary>
    /// A request whose deadline counts from <paramref name="receivedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>
    /// taken when its HTTP request reached the handler), or from now: the caller's budget covers the body read, the
    /// parse and the lookups before the queue too, not only the wait behind the model.
    /// </summary>
    public static InferenceRequest Create(float[] rentedInput, TimeProvider time, TimeSpan deadline, PendingDecision? decision = null,
        long? receivedAt = null)
    {
        var now = time.GetTimestamp();
        var ticks = (long)(deadline.TotalSeconds * time.TimestampFrequency);
        return new InferenceRequest(rentedInput, time, now, (receivedAt ?? now) + ticks, decision);
    }

    /// <summary>Whether the caller has its answer (the deadline's included): the worker drops such a request unrun.</summary>
    public bool IsAnswered => _completion.Task.IsCompleted;

    /// <summary>
    /// Starts the deadline's timer (the queue calls it once the request is accepted). When it fires the caller is
    /// answered <see cref="InferenceStatus.Expired"/> at once; the input stays with the worker, which may be copying it,
    /// and a result the model still gives is stored (a retry with the same sample id replays it).
    /// </summary>
    public void ArmDeadline()
    {
        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), Deadline);
        if (remaining <= TimeSpan.Zero)
        {
            _completion.TrySetResult(s_deadlinePassed);
            return;
        }

        var timer = _time.CreateTimer(static state => ((InferenceRequest)state!).DeadlineTimerRan(), this, remaining, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _deadlineTimer, timer);
        // Answered meanwhile: Complete ran before the timer was stored and could not stop it.
        if (IsAnswered)
        {
            timer.Dispose();
        }
    }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the deadline's timer ran and answered the caller; 0 if it did not.</summary>
    public long TimerRanAt { get; private set; }

    /// <summary>How long after the deadline the timer ran (null when it did not answer), and how long until now.</summary>
    public (TimeSpan? Timer, TimeSpan Now) Lateness()
    {
        var ranAt = TimerRanAt;
        return (ranAt == 0 ? null : _time.GetElapsedTime(Deadline, ranAt), _time.GetElapsedTime(Deadline));
    }

    private void DeadlineTimerRan()
    {
        var now = _time.GetTimestamp();
        if (!_completion.Task.IsCompleted)
        {
            TimerRanAt = now;
            _completion.TrySetResult(s_deadlinePassed);
        }
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
        Volatile.Read(ref _deadlineTimer)?.Dispose();
    }
}
