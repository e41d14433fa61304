namespace HiPortal.Server.Stats;

/// <summary>
/// Additive sums for one fleet over one bucket or a whole window, as SQL returns them: no ratio is taken yet, so
/// buckets add up to totals exactly and fleets with different device profiles can be costed separately.
/// </summary>
public sealed class StatsCounts
{
    // From device telemetry.
    public long Samples { get; set; }

    public long DecidedLocally { get; set; }

    public long Offloaded { get; set; }

    public long Dropped { get; set; }

    public long BytesSent { get; set; }

    public long OffloadRttMicrosSum { get; set; }

    public long OffloadRttCount { get; set; }

    public double EnergyJoules { get; set; }

    // From the decisions the server stored.
    public long OffloadsReceived { get; set; }

    public long Agreements { get; set; }

    public long Labelled { get; set; }

    public long ServerCorrect { get; set; }

    public long LocalCorrect { get; set; }

    public long QueueMicros { get; set; }

    public long InferenceMicros { get; set; }

    public long BatchSizeSum { get; set; }

    public void Add(StatsCounts other)
    {
        Samples += other.Samples;
        DecidedLocally += other.DecidedLocally;
        Offloaded += other.Offloaded;
        Dropped += other.Dropped;
        BytesSent += other.BytesSent;
        OffloadRttMicrosSum += other.OffloadRttMicrosSum;
        OffloadRttCount += other.OffloadRttCount;
        EnergyJoules += other.EnergyJoules;
        OffloadsReceived += other.OffloadsReceived;
        Agreements += other.Agreements;
        Labelled += other.Labelled;
        ServerCorrect += other.ServerCorrect;
        LocalCorrect += other.LocalCorrect;
        QueueMicros += other.QueueMicros;
        InferenceMicros += other.InferenceMicros;
        BatchSizeSum += other.BatchSizeSum;
    }
}

/// <summary>A row of the telemetry aggregate. SQL TOTAL() is a REAL, so the sums arrive as doubles.</summary>
internal sealed class TelemetrySums
{
    public long BucketStartMs { get; init; }

    public required string Fleet { get; init; }

    public double Samples { get; init; }

    public double DecidedLocally { get; init; }

    public double Offloaded { get; init; }

    public double Dropped { get; init; }

    public double BytesSent { get; init; }

    public double OffloadRttMicrosSum { get; init; }

    public double OffloadRttCount { get; init; }

    public double EnergyJoules { get; init; }

    public void AddTo(StatsCounts counts)
    {
        counts.Samples += (long)Samples;
        counts.DecidedLocally += (long)DecidedLocally;
        counts.Offloaded += (long)Offloaded;
        counts.Dropped += (long)Dropped;
        counts.BytesSent += (long)BytesSent;
        counts.OffloadRttMicrosSum += (long)OffloadRttMicrosSum;
        counts.OffloadRttCount += (long)OffloadRttCount;
        counts.EnergyJoules += EnergyJoules;
    }
}

/// <summary>A row of the decisions aggregate.</summary>
internal sealed class DecisionSums
{
    public long BucketStartMs { get; init; }

    public required string Fleet { get; init; }

    public double OffloadsReceived { get; init; }

    public double Agreements { get; init; }

    public double Labelled { get; init; }

    public double ServerCorrect { get; init; }

    public double LocalCorrect { get; init; }

    public double QueueMicros { get; init; }

    public double InferenceMicros { get; init; }

    public double BatchSizeSum { get; init; }

    public void AddTo(StatsCounts counts)
    {
        counts.OffloadsReceived += (long)OffloadsReceived;
        counts.Agreements += (long)Agreements;
        counts.Labelled += (long)Labelled;
        counts.ServerCorrect += (long)ServerCorrect;
        counts.LocalCorrect += (long)LocalCorrect;
        counts.QueueMicros += (long)QueueMicros;
        counts.InferenceMicros += (long)InferenceMicros;
        counts.BatchSizeSum += (long)BatchSizeSum;
    }
}
