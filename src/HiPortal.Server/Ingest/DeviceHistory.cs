using System.Data.Common;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Ingest;

/// <summary>
/// One row of the device index on SQLite (<see cref="DeviceHistory"/>): where a device's decision lies in time.
/// </summary>
public sealed class DeviceDecision
{
    public required string DeviceId { get; set; }

    public long ReceivedAtMs { get; set; }

    public long DecisionId { get; set; }
}

/// <summary>
/// One row of the sample index on SQLite (<see cref="DeviceHistory"/>): which decision a device's sample id got. It holds
/// what a unique (DeviceId, SampleId) index on <c>Decisions</c> would, written a second at a time.
/// </summary>
public sealed class DeviceSample
{
    public required string DeviceId { get; set; }

    public required string SampleId { get; set; }

    public long DecisionId { get; set; }
}

/// <summary>The one row that says how far the device index has read <c>Decisions</c> (ids up to and including it).</summary>
public sealed class DeviceHistoryState
{
    public int Id { get; set; }

    public long IndexedThroughId { get; set; }
}

internal sealed class DeviceDecisionConfiguration : IEntityTypeConfiguration<DeviceDecision>
{
    public void Configure(EntityTypeBuilder<DeviceDecision> builder)
    {
        // WITHOUT ROWID in the migration: the key is the row, so one B-tree holds it.
        builder.ToTable("DeviceDecisions");
        builder.HasKey(h => new { h.DeviceId, h.ReceivedAtMs, h.DecisionId });
        builder.Property(h => h.DeviceId).HasMaxLength(32);
    }
}

internal sealed class DeviceSampleConfiguration : IEntityTypeConfiguration<DeviceSample>
{
    public void Configure(EntityTypeBuilder<DeviceSample> builder)
    {
        // WITHOUT ROWID in the migration, as DeviceDecisions.
        builder.ToTable("DeviceSamples");
        builder.HasKey(s => new { s.DeviceId, s.SampleId });
        builder.Property(s => s.DeviceId).HasMaxLength(32);
        builder.Property(s => s.SampleId).HasMaxLength(128);
    }
}

internal sealed class DeviceHistoryStateConfiguration : IEntityTypeConfiguration<DeviceHistoryState>
{
    public void Configure(EntityTypeBuilder<DeviceHistoryState> builder)
    {
        builder.ToTable("DeviceHistoryState");
        builder.Property(s => s.Id).ValueGeneratedNever();
    }
}

/// <summary>
/// Finds one device's decisions, and a device's sample id. On PostgreSQL those are the <c>(DeviceId, ReceivedAtMs)</c>
/// and unique <c>(DeviceId, SampleId)</c> indexes on <c>Decisions</c>. On SQLite each index keyed by device cost about a
/// tenth of the server's CPU per offload (`scripts/bench-ab.sh`, README "A device's decisions by time, kept apart"): in a
/// closed loop no device has two rows in one commit, so each row dirtied a leaf page of its own per index and the
/// commit wrote it to the WAL whole. SQLite keeps the same entries in <c>DeviceDecisions</c> and <c>DeviceSamples</c>
/// instead, written a second's worth at a time in one transaction sorted by device, so a device's new entries share
/// their pages. Reads stay exact: each device-scoped read first calls <see cref="CatchUpAsync"/>, which indexes whatever
/// was stored before it. Idempotency stays exact too: the decision writer checks a new row's key against
/// <c>DeviceSamples</c> and against the keys it stored since the last pass, which this class keeps in memory
/// (<see cref="IsStoredUnindexed"/>). <c>Decisions</c> stays the record; both tables are derived from it and rebuilt from
/// where they stopped after a crash.
/// </summary>
public sealed class DeviceHistory(IRawDatabase database, WriteGate gate)
{
    /// <summary>Decisions indexed per write transaction, so a backlog never holds the write turn for long.</summary>
    public const int RowsPerTransaction = 50_000;

    internal const string IndexSql = """
        INSERT OR IGNORE INTO "DeviceDecisions" ("DeviceId", "ReceivedAtMs", "DecisionId")
        SELECT "DeviceId", "ReceivedAtMs", "Id" FROM "Decisions" WHERE "Id" > @from AND "Id" <= @through
        ORDER BY "DeviceId", "ReceivedAtMs", "Id"
        """;

    internal const string SamplesSql = """
        INSERT OR IGNORE INTO "DeviceSamples" ("DeviceId", "SampleId", "DecisionId")
        SELECT "DeviceId", "SampleId", "Id" FROM "Decisions" WHERE "Id" > @from AND "Id" <= @through
        ORDER BY "DeviceId", "SampleId", "Id"
        """;

    /// <summary>Whether a sample is indexed as stored: the decision writer's insert runs only where this finds nothing.</summary>
    internal const string IndexedSampleSql =
        """SELECT 1 FROM "DeviceSamples" WHERE "DeviceId" = @DeviceId AND "SampleId" = @SampleId""";

    // The highest decision id stored (the rowid B-tree's last page): ids are AUTOINCREMENT, so it never comes back down to an id reused.
    private const string LastIdSql = """SELECT MAX("Id") FROM "Decisions" """;

    private static readonly string[] s_indexSql = [IndexSql, SamplesSql];

    private readonly bool _deferred = database is SqliteRawDatabase;
    private readonly SemaphoreSlim _catchingUp = new(1, 1);
    private long _indexedThrough = -1;

    // The keys stored past the watermark, not yet in DeviceSamples, and the same in id order for pruning. Read and
    // changed only by whoever holds the write turn, as every insert into Decisions and every pass do.
    private readonly Dictionary<(string DeviceId, string SampleId), long> _unindexed = [];
    private readonly Queue<(string DeviceId, string SampleId, long Id)> _unindexedInOrder = new();
    private bool _keysComplete;

    // The highest decision id up to which those keys are complete: while MAX(Id) still equals it, nobody else has
    // stored a decision since (ids are AUTOINCREMENT, never reused), so the keys in memory are all there are.
    private long _keysThrough = -1;

    /// <summary>Whether this provider keeps the device index apart (SQLite) rather than on <c>Decisions</c>.</summary>
    public bool Deferred => _deferred;

    /// <summary>How far the index has read <c>Decisions</c> (SQLite; -1 before the first catch-up).</summary>
    public long IndexedThrough => Volatile.Read(ref _indexedThrough);

    /// <summary>
    /// Indexes every decision stored before this call (SQLite; nothing to do on PostgreSQL). A read scoped to a device
    /// calls it first, so it sees what a device was just answered.
    /// </summary>
    public async ValueTask CatchUpAsync(CancellationToken cancellationToken)
    {
        if (!_deferred)
        {
            return;
        }

        await _catchingUp.WaitAsync(cancellationToken);
        try
        {
            while (await IndexNextAsync(cancellationToken))
            {
            }
        }
        finally
        {
            _catchingUp.Release();
        }
    }

    /// <summary>One transaction's worth; false once nothing stored is left unindexed.</summary>
    private async Task<bool> IndexNextAsync(CancellationToken cancellationToken)
    {
        if (IndexedThrough >= 0)
        {
            // Cheap (the rowid's last page), and it spares the write turn when nothing is new.
            await using var reader = await database.OpenAsync(cancellationToken);
            if ((await ScalarAsync(reader.Connection, null, LastIdSql, cancellationToken) ?? 0) <= IndexedThrough)
            {
                return false;
            }
        }

        using var turn = await gate.EnterAsync(WritePriority.Normal, cancellationToken);
        await using var lease = await database.OpenWriterAsync(cancellationToken);
        lease.Broken = true; // until the commit succeeds
        await using var transaction = await database.BeginWriteAsync(lease.Connection, cancellationToken);
        var (through, last) = await IndexAsync(lease.Connection, transaction, RowsPerTransaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        lease.Broken = false;
        Indexed(through);
        return through < last;
    }

    /// <summary>
    /// Indexes up to <paramref name="limit"/> (null: all) stored decisions past the watermark inside the caller's write
    /// transaction (the write turn held); the new watermark and the last stored id. Call <see cref="Indexed"/> once it commits.
    /// </summary>
    private async Task<(long Through, long Last)> IndexAsync(DbConnection writer, DbTransaction transaction, long? limit,
        CancellationToken cancellationToken)
    {
        // Read in the write transaction every time: another server on the same file may have moved it since.
        Volatile.Write(ref _indexedThrough, await ScalarAsync(writer, transaction,
            "SELECT \"IndexedThroughId\" FROM \"DeviceHistoryState\" WHERE \"Id\" = 1", cancellationToken) ?? 0);

        // Read on the writer: one writer connection stores decisions in id order, so every id up to this one is committed.
        var last = await ScalarAsync(writer, transaction, LastIdSql, cancellationToken) ?? 0;
        var through = limit is { } most ? Math.Min(last, _indexedThrough + most) : last;
        if (through <= _indexedThrough)
        {
            return (_indexedThrough, last);
        }

        foreach (var sql in s_indexSql)
        {
            await using var index = SqlCommands.Create(writer, transaction, sql, "@from", "@through");
            index.Parameters[0].Value = _indexedThrough;
            index.Parameters[1].Value = through;
            await index.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var state = SqlCommands.Create(writer, transaction,
            "INSERT INTO \"DeviceHistoryState\" (\"Id\", \"IndexedThroughId\") VALUES (1, @through) " +
            "ON CONFLICT (\"Id\") DO UPDATE SET \"IndexedThroughId\" = excluded.\"IndexedThroughId\"", "@through"))
        {
            state.Parameters[0].Value = through;
            await state.ExecuteNonQueryAsync(cancellationToken);
        }

        return (through, last);
    }

    /// <summary>A pass up to <paramref name="through"/> committed: moves the watermark and forgets the keys it indexed.</summary>
    private void Indexed(long through)
    {
        Volatile.Write(ref _indexedThrough, through);
        while (_unindexedInOrder.TryPeek(out var key) && key.Id <= through)
        {
            _unindexedInOrder.Dequeue();
            _unindexed.Remove((key.DeviceId, key.SampleId));
        }
    }

    /// <summary>
    /// The decision writer, in its write transaction, before its first insert (SQLite): unless the keys stored past the
    /// watermark are all known in memory, indexes everything stored, in the same transaction, so that <c>DeviceSamples</c>
    /// and <see cref="IsStoredUnindexed"/> together know every key. They are not all known at start, after a failed
    /// write, and whenever a decision was stored by someone else: another server of this build on the same SQLite
    /// file (the scale-out and failover tests), whose keys only the database has. SQLite's write lock, held from the transaction's
    /// start, keeps anyone from storing more until it ends. Returns what to pass to <see cref="StoreCommitted"/>.
    /// </summary>
    internal async ValueTask<long?> PrepareStoreAsync(DbConnection writer, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (_keysComplete
            && (await ScalarAsync(writer, transaction, LastIdSql, cancellationToken) ?? 0) == _keysThrough)
        {
            return null;
        }

        _unindexed.Clear();
        _unindexedInOrder.Clear();
        var (through, _) = await IndexAsync(writer, transaction, null, cancellationToken);
        _keysThrough = through;
        return through;
    }

    /// <summary>Whether a decision for this key was stored past the watermark (write turn held).</summary>
    internal bool IsStoredUnindexed(string deviceId, string sampleId) => _unindexed.ContainsKey((deviceId, sampleId));

    /// <summary>The writer stored a decision for this key as <paramref name="decisionId"/> (write turn held, ids ascending).</summary>
    internal void Stored(string deviceId, string sampleId, long decisionId)
    {
        _unindexed.Add((deviceId, sampleId), decisionId);
        _unindexedInOrder.Enqueue((deviceId, sampleId, decisionId));
        _keysThrough = decisionId;
    }

    /// <summary>The writer's transaction committed; <paramref name="prepared"/> is what <see cref="PrepareStoreAsync"/> returned.</summary>
    internal void StoreCommitted(long? prepared)
    {
        if (prepared is { } through)
        {
            Indexed(through);
            _keysComplete = true;
        }
    }

    /// <summary>
    /// The writer's transaction failed, or may have (write turn held): what it stored, if anything, is unknown, so the
    /// next one indexes everything stored first.
    /// </summary>
    internal void StoreFailed()
    {
        _keysComplete = false;
        _unindexed.Clear();
        _unindexedInOrder.Clear();
    }

    /// <summary>
    /// <paramref name="query"/> narrowed to one device's decisions, in [<paramref name="fromMs"/>, <paramref name="toMs"/>)
    /// when given, with everything stored before this call indexed first. On SQLite the device is matched through the
    /// index table only: <c>Decisions</c> has no index keyed by device there, so a <c>DeviceId</c> term on it would
    /// be checked row by row (and once tempted the planner into the unique index it had, a walk over the device's whole history).
    /// </summary>
    public async Task<IQueryable<Decision>> OfAsync(HiPortalDb db, IQueryable<Decision> query, string deviceId, long? fromMs,
        long? toMs, CancellationToken cancellationToken)
    {
        if (!_deferred)
        {
            return query.Where(d => d.DeviceId == deviceId);
        }

        await CatchUpAsync(cancellationToken);
        var ids = Entries(db, deviceId, fromMs, toMs).Select(h => h.DecisionId);
        return query.Where(d => ids.Contains(d.Id));
    }

    /// <summary>
    /// How many decisions the device has in [<paramref name="fromMs"/>, <paramref name="toMs"/>). On SQLite that is a range
    /// of the index table alone; counting the decisions its entries point at would read each row.
    /// </summary>
    public async Task<int> CountAsync(HiPortalDb db, string deviceId, long? fromMs, long? toMs, CancellationToken cancellationToken)
    {
        if (!_deferred)
        {
            var decisions = db.Decisions.Where(d => d.DeviceId == deviceId);
            decisions = fromMs is { } from ? decisions.Where(d => d.ReceivedAtMs >= from) : decisions;
            decisions = toMs is { } to ? decisions.Where(d => d.ReceivedAtMs < to) : decisions;
            return await decisions.CountAsync(cancellationToken);
        }

        await CatchUpAsync(cancellationToken);
        return await Entries(db, deviceId, fromMs, toMs).CountAsync(cancellationToken);
    }

    private static IQueryable<DeviceDecision> Entries(HiPortalDb db, string deviceId, long? fromMs, long? toMs)
    {
        var entries = db.DeviceDecisions.Where(h => h.DeviceId == deviceId);
        entries = fromMs is { } from ? entries.Where(h => h.ReceivedAtMs >= from) : entries;
        return toMs is { } to ? entries.Where(h => h.ReceivedAtMs < to) : entries;
    }

    /// <summary>
    /// The hand-written form of <see cref="OfAsync"/> (call <see cref="CatchUpAsync"/> first) for a WHERE prefix on <c>Decisions</c>, with the SQL text of the device,
    /// from and to values (parameters or placeholders).
    /// </summary>
    public string SqlFilter(string device, string from, string to) => _deferred
        ? $"\"Id\" IN (SELECT \"DecisionId\" FROM \"DeviceDecisions\" WHERE \"DeviceId\" = {device} AND \"ReceivedAtMs\" >= {from} AND \"ReceivedAtMs\" < {to}) AND "
        : $"\"DeviceId\" = {device} AND ";

    private static async Task<long?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken) is long value ? value : null;
    }
}

/// <summary>Keeps <see cref="DeviceHistory"/> within about a second of the writer, so a read by device has little to do.</summary>
public sealed class DeviceHistoryIndexer(DeviceHistory history, TimeProvider time, ILogger<DeviceHistoryIndexer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!history.Deferred)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await history.CatchUpAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Indexing decisions by device failed; the next pass, or the next read by device, tries again");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: whatever is left is indexed by the next start's first read or pass.
        }
    }
}
