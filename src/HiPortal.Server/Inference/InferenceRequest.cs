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
/// deadline is watched by the <see cref="DeadlineWheel"/> (a timer of the clock for any other clock than the system's):
/// the caller is answered when it passes, even while a batch holding it is running.
/// </summary>
/// <remarks>
/// Who answers decides where the caller's code goes on. The model's answer (the worker, the decision writer) is handed
/// to the thread pool, so those loops never run handler code; the wheel's answer resumes the handler on the wheel's
/// thread, which writes the 503 at once instead of queueing behind a saturated pool.
/// </remarks>
public sealed class InferenceRequest : IThreadPoolWorkItem
{
    private static readonly InferenceOutcome s_deadlinePassed =
        new(InferenceStatus.Expired, Error: "deadline exceeded while waiting for the model");

    // Continuations run where the result is set (see the remarks), so not RunContinuationsAsynchronously.
    private readonly TaskCompletionSource<InferenceOutcome> _completion = new();
    private readonly TimeProvider _time;
    private ITimer? _deadlineTimer;
    private DeadlineWheel? _wheel;
    private InferenceOutcome? _handedOver;
    private int _answered;

    private readonly ArrayPool<float> _inputPool;

    private InferenceRequest(float[] input, ArrayPool<float> inputPool, TimeProvider time, long enqueuedAt, long deadline,
        PendingDecision? decision)
    {
        Input = input;
        _inputPool = inputPool;
        _time = time;
        EnqueuedAt = enqueuedAt;
        Deadline = deadline;
        Decision = decision;
    }

    /// <summary>One decoded sample (the served model's sample length), rented from the pool given to <see cref="Create"/>; null once returned.</summary>
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
    /// parse and the lookups before the queue too, not only the wait behind the model. <paramref name="inputPool"/> is
    /// where <paramref name="rentedInput"/> came from and goes back to: <see cref="ArrayPool{T}.Shared"/> when null, the
    /// served model's <see cref="ServedModel.Inputs"/> on every route that serves one.
    /// </summary>
    public static InferenceRequest Create(float[] rentedInput, TimeProvider time, TimeSpan deadline, PendingDecision? decision = null,
        long? receivedAt = null, ArrayPool<float>? inputPool = null)
    {
        var now = time.GetTimestamp();
        var ticks = (long)(deadline.TotalSeconds * time.TimestampFrequency);
        return new InferenceRequest(rentedInput, inputPool ?? ArrayPool<float>.Shared, time, now, (receivedAt ?? now) + ticks, decision);
    }

    /// <summary>Whether the caller has its answer (the deadline's included): the worker drops such a request unrun.</summary>
    public bool IsAnswered => Volatile.Read(ref _answered) != 0;

    /// <summary>
    /// Watches the deadline (the queue calls it once the request is accepted): on the system clock through
    /// <see cref="DeadlineWheel.System"/>, on another clock (tests) through a timer of that clock. When it passes the
    /// caller is answered <see cref="InferenceStatus.Expired"/> at once; the input stays with the worker, which may be
    /// copying it, and a result the model still gives is stored (a retry with the same sample id replays it).
    /// </summary>
    public void ArmDeadline() => ArmDeadline(ReferenceEquals(_time, TimeProvider.System) ? DeadlineWheel.System : null);

    /// <summary>Watches the deadline on <paramref name="wheel"/> (a wheel of the request's own clock), or on a timer of that clock when null.</summary>
    public void ArmDeadline(DeadlineWheel? wheel)
    {
        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), Deadline);
        if (remaining <= TimeSpan.Zero)
        {
            TryAnswer(s_deadlinePassed, inline: true);
            return;
        }

        if (wheel is not null)
        {
            Volatile.Write(ref _wheel, wheel);
            wheel.Add(this);
            return;
        }

        var timer = _time.CreateTimer(static state => ((InferenceRequest)state!).AnswerExpired(inline: false), this,
            remaining, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _deadlineTimer, timer);
        // Answered meanwhile: Complete ran before the timer was stored and could not stop it.
        if (IsAnswered)
        {
            timer.Dispose();
        }
    }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the deadline's watcher answered the caller; 0 if it did not.</summary>
    public long TimerRanAt { get; private set; }

    /// <summary>How long after the deadline the watcher answered (null when it did not), and how long until now.</summary>
    public (TimeSpan? Timer, TimeSpan Now) Lateness()
    {
        var ranAt = TimerRanAt;
        return (ranAt == 0 ? null : _time.GetElapsedTime(Deadline, ranAt), _time.GetElapsedTime(Deadline));
    }

    /// <summary>The wheel found the deadline passed: answers the caller here, on the wheel's thread, unless answered.</summary>
    internal void DeadlinePassed() => AnswerExpired(inline: true);

    private void AnswerExpired(bool inline) => TryAnswer(s_deadlinePassed, inline, timerRanAt: _time.GetTimestamp());

    public void ReturnInput()
    {
        if (Input is { } input)
        {
            Input = null;
            _inputPool.Return(input);
        }
    }

    /// <summary>The model's (or the worker's) answer: handed to the thread pool, where the caller's code goes on.</summary>
    public void Complete(InferenceOutcome outcome)
    {
        ReturnInput();
        TryAnswer(outcome, inline: false);
        Volatile.Read(ref _deadlineTimer)?.Dispose();
    }

    void IThreadPoolWorkItem.Execute() => _completion.SetResult(_handedOver!);

    /// <summary>The first answer wins; <paramref name="inline"/> runs the caller's continuation on this thread.</summary>
    private void TryAnswer(InferenceOutcome outcome, bool inline, long timerRanAt = 0)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return;
        }

        Volatile.Read(ref _wheel)?.Answered();
        TimerRanAt = timerRanAt;
        if (inline)
        {
            _completion.SetResult(outcome);
        }
        else
        {
            _handedOver = outcome;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }
}
