using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Telemetry;

public enum TelemetryStatus
{
    Stored,

    /// <summary>The device no longer exists.</summary>
    DeviceGone,

    /// <summary>The writer's queue is full: nothing was accepted, the device retries later.</summary>
    Busy,

    /// <summary>The database refused the write: nothing was stored, the device retries later.</summary>
    Failed,
}

public sealed record TelemetryOutcome(TelemetryStatus Status, int Accepted = 0, int Duplicates = 0, long Gaps = 0, long LastSequence = 0);

public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Posts waiting to be written; beyond this a post is answered 503 + <c>Retry-After</c> at once.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 8192;

    /// <summary>
    /// Posts per transaction: large enough that a burst takes a few transactions, small enough that a decision
    /// batch waiting for the write lock waits for one of them only.
    /// </summary>
    [Range(1, 10_000)]
    public int PostsPerTransaction { get; set; } = 64;
}

/// <summary>
/// Stores devices' reports and their sequence bookkeeping, many posts to a transaction (group commit). A fleet's
/// devices report on the same interval and, started together, in the same second: 1,000 posts, each a write
/// transaction of its own, queued up behind SQLite's one write lock and held the decision writer, and with it every
/// offload's answer, for up to 1.6 s. Here they wait for a turn in memory and are written a few dozen at a time.
/// A sequence already stored is left as it was (the first report of a sequence wins), so a device may resend a
/// batch it is unsure about.
/// </summary>
public sealed class TelemetryWriter(IDbContextFactory<HiPortalDb> dbFactory, WriteGate gate, Live.LiveAggregates live,
    HiPortalMetrics metrics, IOptions<TelemetryOptions> options, TimeProvider time, ILogger<TelemetryWriter> logger) : BackgroundService
{
    // Counters a device does not measure may be left out; they are stored as 0.
    private static readonly SqlInsert<TelemetryRow> s_insert = new("Telemetry", ["DeviceId", "Sequence"],
        ("DeviceId", t => t.DeviceId),
        ("Fleet", t => t.Fleet),
        ("Sequence", t => t.Report.Sequence!.Value),
        ("PeriodStartMs", t => t.Report.PeriodStart!.Value.ToUnixTimeMilliseconds()),
        ("PeriodEndMs", t => t.Report.PeriodEnd!.Value.ToUnixTimeMilliseconds()),
        ("ReceivedAtMs", t => t.ReceivedAtMs),
        ("Samples", t => t.Report.Samples!.Value),
        ("DecidedLocally", t => t.Report.DecidedLocally!.Value),
        ("Offloaded", t => t.Report.Offloaded!.Value),
        ("LocalInferenceMicros", t => t.Report.LocalInferenceMicros ?? 0),
        ("BytesSent", t => t.Report.BytesSent ?? 0),
        ("OffloadRttMicrosSum", t => t.Report.OffloadRttMicrosSum ?? 0),
        ("OffloadRttCount", t => t.Report.OffloadRttCount ?? 0),
        ("EnergyJoules", t => t.Report.EnergyJoules ?? 0),
        ("Dropped", t => t.Report.Dropped ?? 0));

    private readonly Channel<Post> _posts =
        Channel.CreateBounded<Post>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });

    private int _waiting;

    /// <summary>Posts accepted and not yet answered (queued, or in the transaction being written).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Queues the reports and waits until they are committed. Cancelling stops the wait only: a queued post is
    /// still written, so a device that gave up and resends finds its sequences stored (duplicates, not gaps).
    /// </summary>
    public async Task<TelemetryOutcome> StoreAsync(string deviceId, IReadOnlyList<TelemetryPeriod> reports,
        CancellationToken cancellationToken)
    {
        var post = new Post(deviceId, reports);
        if (!_posts.Writer.TryWrite(post))
        {
            return new TelemetryOutcome(TelemetryStatus.Busy);
        }

        // Counted once queued, so a count of N means N posts are in the queue or the writer's hands (the burst test
        // waits on that). Its commit can be answered before this line runs: the count then dips below by one for
        // that moment, never above.
        Interlocked.Increment(ref _waiting);

        return await post.Completion.Task.WaitAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // The server stops first (it was registered last); what it accepted is written before the host ends.
        _posts.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var perTransaction = options.Value.PostsPerTransaction;
        var batch = new List<Post>(perTransaction);
        // Ignores stoppingToken on purpose, like the decision writer: every accepted post is written.
        while (await _posts.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < perTransaction && _posts.Reader.TryRead(out var post))
            {
                batch.Add(post);
            }

            try
            {
                await WriteAsync(batch);
            }
            catch (Exception ex) when (batch.Count > 1)
            {
                // One post's failure must not fail the others: each alone, in a transaction of its own.
                logger.LogWarning(ex, "Storing {Count} telemetry posts together failed; storing them one by one", batch.Count);
                foreach (var post in batch)
                {
                    await WriteAloneAsync(post);
                }
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Storing a telemetry post failed; the device gets 503 and retries");
                Answer(batch[0], new TelemetryOutcome(TelemetryStatus.Failed));
            }
        }
    }

    private async Task WriteAloneAsync(Post post)
    {
        try
        {
            await WriteAsync([post]);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Storing telemetry of device {DeviceId} failed; it gets 503 and retries", post.DeviceId);
            Answer(post, new TelemetryOutcome(TelemetryStatus.Failed));
        }
    }

    private async Task WriteAsync(List<Post> posts)
    {
        using var turn = await gate.EnterAsync();
        var started = time.GetTimestamp();
        await using var db = await dbFactory.CreateDbContextAsync();
        // Posts of one device in the same batch run in order on the same tracked row, so the read-modify-write of
        // its counters below cannot interleave; across batches SQLite's BEGIN IMMEDIATE (PostgreSQL: the writer
        // lock) keeps them apart.
        await using var transaction = await db.Database.BeginTransactionAsync();
        var ids = posts.Select(p => p.DeviceId).Distinct().ToList();
        var devices = await db.Devices.Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id);
        await using var insert = s_insert.CreateCommand(db.Database.GetDbConnection(), transaction.GetDbTransaction());
        var receivedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var outcomes = new (TelemetryOutcome Outcome, string? Fleet, List<TelemetryPeriod>? Stored)[posts.Count];
        for (var i = 0; i < posts.Count; i++)
        {
            var post = posts[i];
            if (!devices.TryGetValue(post.DeviceId, out var device))
            {
                outcomes[i] = (new TelemetryOutcome(TelemetryStatus.DeviceGone), null, null);
                continue;
            }

            var stored = new List<TelemetryPeriod>(post.Reports.Count);
            var highestAccepted = 0L;
            foreach (var report in post.Reports)
            {
                // ON CONFLICT DO NOTHING changes no row for a sequence already stored.
                if (await insert.InsertAsync(new TelemetryRow(report, post.DeviceId, device.Fleet, receivedAtMs)) == 1)
                {
                    stored.Add(report);
                    highestAccepted = Math.Max(highestAccepted, report.Sequence!.Value);
                }
            }

            // Gaps = highest sequence − reports stored. Counted incrementally (stored before = last − gaps) rather
            // than with COUNT(*), which would scan all of the device's history on every post; it also keeps a gap
            // meaning "never received" if old reports are later pruned.
            var lastBefore = device.LastTelemetrySequence ?? 0;
            var storedBefore = lastBefore - device.TelemetryGaps;
            var last = Math.Max(lastBefore, highestAccepted);
            var duplicates = post.Reports.Count - stored.Count;
            device.LastTelemetrySequence = last == 0 ? null : last;
            device.TelemetryGaps = last - (storedBefore + stored.Count);
            device.TelemetryDuplicates += duplicates;
            outcomes[i] = (new TelemetryOutcome(TelemetryStatus.Stored, stored.Count, duplicates, device.TelemetryGaps, last),
                device.Fleet, stored);
        }

        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        for (var i = 0; i < posts.Count; i++)
        {
            var (outcome, fleet, stored) = outcomes[i];
            if (fleet is not null)
            {
                live.AddTelemetry(fleet, stored!);
            }

            Answer(posts[i], outcome);
        }

        metrics.TelemetryStored(posts.Count, (long)time.GetElapsedTime(started).TotalMicroseconds);
    }

    private sealed record Post(string DeviceId, IReadOnlyList<TelemetryPeriod> Reports)
    {
        public TaskCompletionSource<TelemetryOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void Answer(Post post, TelemetryOutcome outcome)
    {
        if (post.Completion.TrySetResult(outcome))
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>One report with what the server adds to it.</summary>
    private readonly record struct TelemetryRow(TelemetryPeriod Report, string DeviceId, string Fleet, long ReceivedAtMs);
}
