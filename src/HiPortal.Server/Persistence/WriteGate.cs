namespace HiPortal.Server.Persistence;

/// <summary>
/// The hot writers' turn at a SQLite file: decision batches, telemetry batches, presence flushes and configuration
/// acks each take it before their transaction. SQLite writes one transaction at a time, and a connection that finds
/// the lock taken waits inside SQLite's busy handler: it sleeps on a thread-pool thread for 1 to 100 ms per retry
/// and wakes up late. On two cores a burst of such sleepers (1,000 devices' telemetry arriving in the same second)
/// starved the thread pool and held every offload's answer for up to 1.6 s. Waiting here is asynchronous and hands
/// over the moment the holder is done; an <see cref="WritePriority.Urgent"/> waiter (the decision writer, whose
/// commit devices are waiting for) goes before every normal one, so it waits for one transaction at most. EF Core's
/// other writes (admin changes, audits) are rare and still rely on <c>busy_timeout</c>. On PostgreSQL writers do not
/// block each other (EF's own transactions take the advisory writer lock), so the gate lets everyone through.
/// </summary>
public sealed class WriteGate(bool exclusive)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _urgent = new();
    private readonly Queue<TaskCompletionSource> _normal = new();
    private bool _held;

    /// <summary>Waits for the turn; dispose the result to pass it on.</summary>
    public ValueTask<Turn> EnterAsync(WritePriority priority = WritePriority.Normal, CancellationToken cancellationToken = default)
    {
        if (!exclusive)
        {
            return ValueTask.FromResult(new Turn(null));
        }

        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return ValueTask.FromResult(new Turn(this));
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (priority == WritePriority.Urgent ? _urgent : _normal).Enqueue(waiter);
        }

        return WaitAsync(waiter, cancellationToken);
    }

    private async ValueTask<Turn> WaitAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        // A cancelled waiter stays queued, marked: the release skips it (its TrySetResult fails).
        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            await waiter.Task;
        }

        return new Turn(this);
    }

    private void Release()
    {
        lock (_lock)
        {
            while (_urgent.TryDequeue(out var next) || _normal.TryDequeue(out next))
            {
                if (next.TrySetResult())
                {
                    return; // handed over: still held, now by the next writer
                }
            }

            _held = false;
        }
    }

    public readonly struct Turn(WriteGate? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}

public enum WritePriority
{
    Normal,

    /// <summary>Devices are waiting for this commit (decision batches).</summary>
    Urgent,
}
