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

    public long ExplorationOffloads { get; set; }

    public long ExplorationAgreements { get; set; }

    public long ExplorationBytes { get; set; }

    public void Add(StatsCounts other)
    {
        Samples = Saturating.Add(Samples, other.Samples);
        DecidedLocally = Saturating.Add(DecidedLocally, other.DecidedLocally);
        Offloaded = Saturating.Add(Offloaded, other.Offloaded);
        Dropped = Saturating.Add(Dropped, other.Dropped);
        BytesSent = Saturating.Add(BytesSent, other.BytesSent);
        OffloadRttMicrosSum = Saturating.Add(OffloadRttMicrosSum, other.OffloadRttMicrosSum);
        OffloadRttCount = Saturating.Add(OffloadRttCount, other.OffloadRttCount);
        EnergyJoules = Saturating.Add(EnergyJoules, other.EnergyJoules);
        OffloadsReceived = Saturating.Add(OffloadsReceived, other.OffloadsReceived);
        Agreements = Saturating.Add(Agreements, other.Agreements);
        Labelled = Saturating.Add(Labelled, other.Labelled);
        ServerCorrect = Saturating.Add(ServerCorrect, other.ServerCorrect);
        LocalCorrect = Saturating.Add(LocalCorrect, other.LocalCorrect);
        QueueMicros = Saturating.Add(QueueMicros, other.QueueMicros);
        InferenceMicros = Saturating.Add(InferenceMicros, other.InferenceMicros);
        BatchSizeSum = Saturating.Add(BatchSizeSum, other.BatchSizeSum);
        ExplorationOffloads = Saturating.Add(ExplorationOffloads, other.ExplorationOffloads);
        ExplorationAgreements = Saturating.Add(ExplorationAgreements, other.ExplorationAgreements);
        ExplorationBytes = Saturating.Add(ExplorationBytes, other.ExplorationBytes);
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
        counts.Samples = Saturating.AddTotal(counts.Samples, Samples);
        counts.DecidedLocally = Saturating.AddTotal(counts.DecidedLocally, DecidedLocally);
        counts.Offloaded = Saturating.AddTotal(counts.Offloaded, Offloaded);
        counts.Dropped = Saturating.AddTotal(counts.Dropped, Dropped);
        counts.BytesSent = Saturating.AddTotal(counts.BytesSent, BytesSent);
        counts.OffloadRttMicrosSum = Saturating.AddTotal(counts.OffloadRttMicrosSum, OffloadRttMicrosSum);
        counts.OffloadRttCount = Saturating.AddTotal(counts.OffloadRttCount, OffloadRttCount);
        counts.EnergyJoules = Saturating.Add(counts.EnergyJoules, Saturating.Finite(EnergyJoules));
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

    public double ExplorationOffloads { get; init; }

    public double ExplorationAgreements { get; init; }

    public double ExplorationBytes { get; init; }

    public void AddTo(StatsCounts counts)
    {
        counts.OffloadsReceived = Saturating.AddTotal(counts.OffloadsReceived, OffloadsReceived);
        counts.Agreements = Saturating.AddTotal(counts.Agreements, Agreements);
        counts.Labelled = Saturating.AddTotal(counts.Labelled, Labelled);
        counts.ServerCorrect = Saturating.AddTotal(counts.ServerCorrect, ServerCorrect);
        counts.LocalCorrect = Saturating.AddTotal(counts.LocalCorrect, LocalCorrect);
        counts.QueueMicros = Saturating.AddTotal(counts.QueueMicros, QueueMicros);
        counts.InferenceMicros = Saturating.AddTotal(counts.InferenceMicros, InferenceMicros);
        counts.BatchSizeSum = Saturating.AddTotal(counts.BatchSizeSum, BatchSizeSum);
        counts.ExplorationOffloads = Saturating.AddTotal(counts.ExplorationOffloads, ExplorationOffloads);
        counts.ExplorationAgreements = Saturating.AddTotal(counts.ExplorationAgreements, ExplorationAgreements);
        counts.ExplorationBytes = Saturating.AddTotal(counts.ExplorationBytes, ExplorationBytes);
    }
}
