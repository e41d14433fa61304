namespace HiPortal.Server.Inference;

/// <summary>
/// Answers queued requests whose deadline passed, from a thread of its own. .NET's timers run their callbacks as one
/// work item in the thread pool's global queue, so on a saturated machine every deadline waited behind the socket
/// completions queued before it (13 % of deadline timers ran more than 5 ms late at 256 devices on 2 cores: README,
/// "Deadlines under load"). This thread sleeps until the earliest deadline, and an expired request's handler resumes
/// on it at once (<see cref="InferenceRequest.DeadlinePassed"/>), to write its 503 without a trip through the pool.
/// </summary>
/// <remarks>
/// Requests answered before their deadline stay in the heap until their turn comes (they are skipped then), unless
/// they pile up: once more than half the heap is answered, it is rebuilt from the live ones, so its size follows the
/// requests still waiting (a 5 s default deadline at 10k offloads/s would otherwise hold 50k answered requests).
/// </remarks>
public sealed class DeadlineWheel : IDisposable
{
    private const int CompactBelow = 1024;

    private static readonly Lazy<DeadlineWheel> s_system = new(() => new DeadlineWheel(TimeProvider.System));

    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private PriorityQueue<InferenceRequest, long> _heap = new();
    // The deadline the thread sleeps until: a request due before it wakes the thread; long.MinValue while it is not
    // asleep (it looks at the heap again before it sleeps).
    private long _sleepingUntil = long.MinValue;
    // Requests added and not yet answered, as a guide to when to compact: a request answered while it was being added
    // may be counted once too often, until the next compaction counts afresh.
    private int _live;
    private bool _stopping;

    public DeadlineWheel(TimeProvider time)
    {
        _time = time;
        _thread = new Thread(Run) { IsBackground = true, Name = ThreadName };
        _thread.Start();
    }

    /// <summary>The wheel for the system clock, started on first use and kept for the process.</summary>
    public static DeadlineWheel System => s_system.Value;

    public const string ThreadName = "HiPortal deadlines";

    /// <summary>Requests held (answered ones included until the thread or a compaction drops them).</summary>
    public int Held
    {
        get
        {
            lock (_gate)
                return _heap.Count;
        }
    }

    /// <summary>Held requests not yet answered.</summary>
    public int Live => Volatile.Read(ref _live);

    public void Add(InferenceRequest request)
    {
        Interlocked.Increment(ref _live);
        lock (_gate)
        {
            _heap.Enqueue(request, request.Deadline);
            if (request.Deadline < _sleepingUntil)
            {
                Monitor.Pulse(_gate);
            }

            if (_heap.Count >= CompactBelow && _heap.Count > 2 * Volatile.Read(ref _live))
            {
                Compact();
            }
        }
    }

    /// <summary>A held request was answered (by the model, the worker or this wheel): it no longer counts as live.</summary>
    public void Answered() => Interlocked.Decrement(ref _live);

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
    }

    private void Compact()
    {
        var live = new List<(InferenceRequest, long)>(Volatile.Read(ref _live));
        foreach (var (request, deadline) in _heap.UnorderedItems)
        {
            if (!request.IsAnswered)
            {
                live.Add((request, deadline));
            }
        }

        _heap = new PriorityQueue<InferenceRequest, long>(live);
        Volatile.Write(ref _live, live.Count);
    }

    private void Run()
    {
        var due = new List<InferenceRequest>();
        while (true)
        {
            lock (_gate)
            {
                while (!_stopping && !TakeDue(due))
                {
                    if (_heap.TryPeek(out _, out var next))
                    {
                        _sleepingUntil = next;
                        Monitor.Wait(_gate, WaitFor(next));
                    }
                    else
                    {
                        _sleepingUntil = long.MaxValue;
                        Monitor.Wait(_gate);
                    }

                    _sleepingUntil = long.MinValue;
                }

                if (_stopping)
                {
                    return;
                }
            }

            // Outside the lock: each handler resumes here and writes its answer.
            foreach (var request in due)
            {
                request.DeadlinePassed();
            }

            due.Clear();
        }
    }

    /// <summary>Moves the expired, unanswered requests to <paramref name="due"/> and drops answered ones at the top.</summary>
    private bool TakeDue(List<InferenceRequest> due)
    {
        var now = _time.GetTimestamp();
        while (_heap.TryPeek(out var request, out var deadline) && (deadline <= now || request.IsAnswered))
        {
            _heap.Dequeue();
            if (!request.IsAnswered)
            {
                due.Add(request);
            }
        }

        return due.Count > 0;
    }

    /// <summary>Whole milliseconds until <paramref name="deadline"/>, rounded up so the thread never wakes early.</summary>
    private int WaitFor(long deadline)
    {
        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
        return remaining <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalMilliseconds));
    }
}
