using System.Diagnostics;

namespace HiPortal.Cli.Simulate;

/// <summary>The run's elapsed time and its sample budget: it ends at --duration or after --samples, whichever is first.</summary>
public sealed class SimulationClock(TimeSpan? duration, int? samples)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private int _taken;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public int Taken => Volatile.Read(ref _taken);

    public bool IsOver => (duration is { } d && Elapsed >= d) || (samples is { } s && Taken >= s);

    /// <summary>How far through the run, in [0, 1]: by time when a duration is set, else by samples.</summary>
    public double Progress => duration is { } d
        ? Math.Min(1, Elapsed / d)
        : samples is { } s ? Math.Min(1, (double)Taken / s) : 0;

    /// <summary>Claims one sample of the budget; false once the run is over.</summary>
    public bool TryTakeSample()
    {
        if (duration is { } d && Elapsed >= d)
            return false;
        var taken = Interlocked.Increment(ref _taken);
        if (samples is { } s && taken > s)
        {
            Interlocked.Decrement(ref _taken);
            return false;
        }

        return true;
    }
}
