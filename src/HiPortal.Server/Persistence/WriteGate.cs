namespace HiPortal.Server.Persistence;

/// <summary>
/// The hot writers' turn at a SQLite file: decision batches, telemetry batches and presence flushes each take it
/// before their transaction. SQLite writes one transaction at a time, and a connection that finds the lock taken
/// waits inside SQLite's busy handler: it sleeps on a thread-pool thread for 1 to 100 ms per retry and wakes up
/// late. On two cores a burst of such sleepers (1,000 devices' telemetry arriving in the same second) starved the
/// thread pool and held every offload's answer for up to 1.6 s. Waiting here is asynchronous, first come first
/// served, and hands over the moment the holder commits. EF Core's other writes (admin changes, acks, audits) are
/// rare and still rely on <c>busy_timeout</c>. On PostgreSQL writers do not block each other (EF's own transactions
/// take the advisory writer lock), so the gate lets everyone through.
/// </summary>
public sealed class WriteGate(bool exclusive)
{
    private readonly SemaphoreSlim? _turn = exclusive ? new SemaphoreSlim(1, 1) : null;

    /// <summary>Waits for the turn; dispose the result to pass it on.</summary>
    public async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken = default)
    {
        if (_turn is not null)
        {
            await _turn.WaitAsync(cancellationToken);
        }

        return new Turn(_turn);
    }

    public readonly struct Turn(SemaphoreSlim? turn) : IDisposable
    {
        public void Dispose() => turn?.Release();
    }
}
