using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using HiPortal.Server.Observability;
using HiPortal.Server.Persistence;
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
public sealed class TelemetryWriter(IRawDatabase database, WriteGate gate, Live.LiveAggregates live,
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
    private long _transactions;

    /// <summary>Posts accepted and not yet answered (queued, or in the transaction being written).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Write transactions committed by this writer. Meters are process-wide, so a test process with several hosts sees
    /// every host's <c>hiportal_telemetry_batch_size</c>; this count is this instance's alone.
    /// </summary>
    public long Transactions => Interlocked.Read(ref _transactions);

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
        // A raw connection, kept open by its pool. An EF Core context's connection is opened for each batch, and on
        // SQLite each open registers EF Core's SQL functions again, each a finalizable handle left to the GC: about 740
        // a second of a load run's 1,400, which gen0 collections then had to finalize (5.8 ms of a 52 ms pause).
        await using var lease = await database.OpenAsync();
        lease.Broken = true; // until the commit succeeds
        var connection = lease.Connection;
        // Posts of one device in the same batch run in order on the same counters below, so the read-modify-write of
        // its counters cannot interleave; across batches SQLite's BEGIN IMMEDIATE (PostgreSQL: the writer lock) keeps
        // them apart.
        await using var dbTransaction = await database.BeginWriteAsync(connection);
        await using var counters = new DeviceCounters(connection, dbTransaction);
        var devices = new Dictionary<string, DeviceCounters.Row?>();
        await using var insert = s_insert.CreateCommand(connection, dbTransaction);
        var receivedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var outcomes = new (TelemetryOutcome Outcome, string? Fleet, List<TelemetryPeriod>? Stored)[posts.Count];
        for (var i = 0; i < posts.Count; i++)
        {
            var post = posts[i];
            if (!devices.TryGetValue(post.DeviceId, out var device))
            {
                devices[post.DeviceId] = device = await counters.ReadAsync(post.DeviceId);
            }

            if (device is null)
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
            var lastBefore = device.LastSequence ?? 0;
            var storedBefore = lastBefore - device.Gaps;
            var last = Math.Max(lastBefore, highestAccepted);
            var duplicates = post.Reports.Count - stored.Count;
            device.LastSequence = last == 0 ? null : last;
            device.Gaps = last - (storedBefore + stored.Count);
            device.Duplicates += duplicates;
            outcomes[i] = (new TelemetryOutcome(TelemetryStatus.Stored, stored.Count, duplicates, device.Gaps, last),
                device.Fleet, stored);
        }

        // Every device read here had a post in the batch, so every one that exists has new counters.
        foreach (var (deviceId, device) in devices)
        {
            if (device is not null)
            {
                await counters.WriteAsync(deviceId, device);
            }
        }

        await dbTransaction.CommitAsync();
        lease.Broken = false;
        Interlocked.Increment(ref _transactions);
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

    /// <summary>
    /// A device's telemetry counters, read and written by two commands made once per transaction and bound again per
    /// device. They were a tracked EF Core query and <c>SaveChanges</c>: snapshots of all 23 columns of each device,
    /// change detection and a generated UPDATE, about two fifths of a load run's allocations.
    /// </summary>
    private sealed class DeviceCounters : IAsyncDisposable
    {
        private readonly System.Data.Common.DbCommand _read;
        private readonly System.Data.Common.DbCommand _write;

        public DeviceCounters(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction)
        {
            _read = SqlCommands.Create(connection, transaction,
                "SELECT \"Fleet\", \"LastTelemetrySequence\", \"TelemetryGaps\", \"TelemetryDuplicates\" FROM \"Devices\" WHERE \"Id\" = @id",
                "@id");
            _write = SqlCommands.Create(connection, transaction,
                "UPDATE \"Devices\" SET \"LastTelemetrySequence\" = @last, \"TelemetryGaps\" = @gaps, " +
                "\"TelemetryDuplicates\" = @duplicates WHERE \"Id\" = @id",
                "@last", "@gaps", "@duplicates", "@id");
        }

        public sealed class Row(string fleet, long? lastSequence, long gaps, long duplicates)
        {
            public string Fleet { get; } = fleet;

            public long? LastSequence { get; set; } = lastSequence;

            public long Gaps { get; set; } = gaps;

            public long Duplicates { get; set; } = duplicates;
        }

        /// <summary>The device's counters; null when it no longer exists.</summary>
        public async Task<Row?> ReadAsync(string deviceId)
        {
            _read.Parameters[0].Value = deviceId;
            await using var reader = await _read.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return null;
            }

            return new Row(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        public Task<int> WriteAsync(string deviceId, Row row)
        {
            _write.Parameters[0].Value = row.LastSequence is { } last ? last : DBNull.Value;
            _write.Parameters[1].Value = row.Gaps;
            _write.Parameters[2].Value = row.Duplicates;
            _write.Parameters[3].Value = deviceId;
            return _write.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _read.DisposeAsync();
            await _write.DisposeAsync();
        }
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
