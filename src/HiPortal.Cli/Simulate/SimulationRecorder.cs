namespace HiPortal.Cli.Simulate;

/// <summary>Collects every device's samples as they happen, and the figures the live display shows.</summary>
public sealed class SimulationRecorder
{
    private readonly Lock _lock = new();
    private readonly List<SampleRecord> _records = [];
    private readonly List<Task> _deferred = [];

    public IReadOnlyList<SampleRecord> Records
    {
        get
        {
            lock (_lock)
                return [.. _records];
        }
    }

    public void Add(SampleRecord record, Task? deferred = null)
    {
        lock (_lock)
        {
            _records.Add(record);
            if (deferred is not null)
                _deferred.Add(deferred);
        }
    }

    /// <summary>Changes a record (a late answer) under the lock the live display reads with.</summary>
    public void Update(Action change)
    {
        lock (_lock)
            change();
    }

    /// <summary>Waits for buffered samples' answers, up to <paramref name="timeout"/>; returns how many are still open.</summary>
    public async Task<int> AwaitDeferredAsync(TimeSpan timeout)
    {
        Task[] pending;
        lock (_lock)
            pending = [.. _deferred];
        try
        {
            await Task.WhenAll(pending).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            // Reported as unanswered.
        }
        catch (Exception)
        {
            // Each deferred task records its own failure.
        }

        return pending.Count(t => !t.IsCompleted);
    }

    public LiveFigures Figures()
    {
        lock (_lock)
        {
            var n = _records.Count;
            var recent = _records.Skip(Math.Max(0, n - 2000)).Select(r => r.LatencyMs).Order().ToArray();
            return new LiveFigures(
                n,
                _records.Count(r => r.Offloaded),
                _records.Count(r => r.FinalClass == r.Label),
                _records.Count(r => r.Buffered && r.ServerClass is null && r.Error is null),
                _records.Count(r => r.Error is not null),
                recent.Length == 0 ? 0 : Percentile.Of(recent, 0.5),
                recent.Length == 0 ? 0 : Percentile.Of(recent, 0.99));
        }
    }
}

/// <summary>What the live display shows.</summary>
public sealed record LiveFigures(int Samples, int Offloaded, int Correct, int WaitingInBuffers, int Errors, double LatencyP50Ms,
    double LatencyP99Ms);

public static class Percentile
{
    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
