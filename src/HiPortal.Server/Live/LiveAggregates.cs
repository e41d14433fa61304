using HiPortal.Server.Inference;
using HiPortal.Server.Stats;

namespace HiPortal.Server.Live;

/// <summary>
/// The live window's sums kept in memory: one <see cref="StatsCounts"/> per second and fleet, added to by the writers
/// after each commit (decisions by <c>ReceivedAtMs</c>, telemetry by <c>PeriodEndMs</c>, the columns the SQL stats
/// bucket by), so a snapshot adds up the window's seconds instead of scanning its rows: its cost grows with the
/// window's length and the number of fleets, not with offloads per second. Filled from the database once at start-up,
/// before requests are served (<see cref="SnapshotPublisher"/>). One instance's own writes only: with several
/// instances on one database the publisher and the alarm evaluator read the database instead.
/// </summary>
public sealed class LiveAggregates
{
    private const long SecondMs = 1000;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Dictionary<string, StatsCounts>> _seconds = [];

    /// <summary>
    /// How much history is kept: the longest window any reader asks for (the live snapshot's and the alarms' fleet
    /// figures). Seconds older than this before the end of a window read are dropped; start-up fills this much.
    /// </summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The decisions of one stored batch (<paramref name="inserted"/>: which rows the database took).</summary>
    public void AddDecisions(List<InferenceRequest> requests, bool[] inserted)
    {
        lock (_lock)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                if (!inserted[i] || requests[i] is not { Decision: { } d, Result: { } r })
                {
                    continue;
                }

                var c = At(d.ReceivedAtMs, d.Fleet);
                c.OffloadsReceived++;
                c.Agreements += r.PredictedClass == d.LocalClass ? 1 : 0;
                if (d.Label is { } label)
                {
                    c.Labelled++;
                    c.ServerCorrect += r.PredictedClass == label ? 1 : 0;
                    c.LocalCorrect += d.LocalClass == label ? 1 : 0;
                }

                c.QueueMicros = Saturating.Add(c.QueueMicros, r.QueueMicros);
                c.InferenceMicros = Saturating.Add(c.InferenceMicros, r.InferenceMicros);
                c.BatchSizeSum += r.BatchSize;
            }
        }
    }

    /// <summary>Telemetry reports one device's post stored (duplicates left out), with the values as stored.</summary>
    public void AddTelemetry(string fleet, IEnumerable<TelemetryPeriod> stored)
    {
        lock (_lock)
        {
            foreach (var report in stored)
            {
                var c = At(report.PeriodEnd!.Value.ToUnixTimeMilliseconds(), fleet);
                c.Add(new StatsCounts
                {
                    Samples = report.Samples!.Value,
                    DecidedLocally = report.DecidedLocally!.Value,
                    Offloaded = report.Offloaded!.Value,
                    Dropped = report.Dropped ?? 0,
                    BytesSent = report.BytesSent ?? 0,
                    OffloadRttMicrosSum = report.OffloadRttMicrosSum ?? 0,
                    OffloadRttCount = report.OffloadRttCount ?? 0,
                    EnergyJoules = Saturating.Finite(report.EnergyJoules ?? 0),
                });
            }
        }
    }

    /// <summary>Adds counts read from the database, by bucket start (whole seconds) and fleet.</summary>
    public void Seed(Dictionary<long, Dictionary<string, StatsCounts>> counts)
    {
        lock (_lock)
        {
            foreach (var (start, fleets) in counts)
            {
                foreach (var (fleet, c) in fleets)
                {
                    At(start, fleet).Add(c);
                }
            }
        }
    }

    /// <summary>
    /// Sums by fleet over the whole seconds in [<paramref name="fromMs"/>, <paramref name="toMs"/>); seconds older than
    /// <see cref="Horizon"/> before <paramref name="toMs"/> are dropped.
    /// </summary>
    public Dictionary<string, StatsCounts> Window(long fromMs, long toMs)
    {
        var totals = new Dictionary<string, StatsCounts>();
        var keepFrom = toMs - (long)Math.Ceiling(Horizon.TotalMilliseconds);
        lock (_lock)
        {
            foreach (var (start, fleets) in _seconds)
            {
                if (start < keepFrom)
                {
                    _seconds.Remove(start);
                    continue;
                }

                if (start < fromMs || start >= toMs)
                {
                    continue;
                }

                foreach (var (fleet, c) in fleets)
                {
                    if (!totals.TryGetValue(fleet, out var total))
                    {
                        totals[fleet] = total = new StatsCounts();
                    }

                    total.Add(c);
                }
            }
        }

        return totals;
    }

    /// <summary>
    /// The whole seconds of a window of <paramref name="length"/> (rounded up to whole seconds) that ends with the
    /// second holding <paramref name="now"/>, as [from, to) in Unix milliseconds.
    /// </summary>
    public static (long FromMs, long ToMs) WindowEndingAt(DateTimeOffset now, TimeSpan length)
    {
        var to = SecondOf(now.ToUnixTimeMilliseconds()) + SecondMs;
        var seconds = (long)Math.Ceiling(length.TotalMilliseconds / SecondMs);
        return (to - (seconds * SecondMs), to);
    }

    /// <summary>The start of the second that holds <paramref name="ms"/>, as the SQL buckets compute it.</summary>
    public static long SecondOf(long ms) => ms / SecondMs * SecondMs;

    private StatsCounts At(long ms, string fleet)
    {
        var start = SecondOf(ms);
        if (!_seconds.TryGetValue(start, out var fleets))
        {
            _seconds[start] = fleets = [];
        }

        if (!fleets.TryGetValue(fleet, out var c))
        {
            fleets[fleet] = c = new StatsCounts();
        }

        return c;
    }
}
