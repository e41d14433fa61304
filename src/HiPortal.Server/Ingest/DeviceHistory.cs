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

internal sealed class DeviceHistoryStateConfiguration : IEntityTypeConfiguration<DeviceHistoryState>
{
    public void Configure(EntityTypeBuilder<DeviceHistoryState> builder)
    {
        builder.ToTable("DeviceHistoryState");
        builder.Property(s => s.Id).ValueGeneratedNever();
    }
}

/// <summary>
/// Finds one device's decisions. On PostgreSQL that is the <c>(DeviceId, ReceivedAtMs)</c> index on <c>Decisions</c>.
/// On SQLite, dropping that index saved about 14 % of the server's CPU per offload and this table gives back about a
/// third of it (`scripts/bench-ab.sh`, README "A device's decisions by time, kept apart"): in a closed loop no
/// device has two rows in one commit, so each row dirtied a leaf page of its own and the commit wrote it to the WAL
/// whole. SQLite keeps the same entries in <c>DeviceDecisions</c> instead, written a second's worth at a time in one
/// transaction sorted by device, so a device's new entries share their pages. Reads stay exact: each device-scoped read
/// first calls <see cref="CatchUpAsync"/>, which indexes whatever was stored before it. <c>Decisions</c> stays the record;
/// the index is derived from it and rebuilt from where it stopped after a crash.
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

    private readonly bool _deferred = database is SqliteRawDatabase;
    private readonly SemaphoreSlim _catchingUp = new(1, 1);
    private long _indexedThrough = -1;

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
        await using (var reader = await database.OpenAsync(cancellationToken))
        {
            if (_indexedThrough < 0)
            {
                Volatile.Write(ref _indexedThrough, await ScalarAsync(reader.Connection, null,
                    "SELECT \"IndexedThroughId\" FROM \"DeviceHistoryState\" WHERE \"Id\" = 1", cancellationToken) ?? 0);
            }

            // Cheap (the rowid's last page), and it spares the write turn when nothing is new.
            if ((await ScalarAsync(reader.Connection, null, "SELECT MAX(\"Id\") FROM \"Decisions\"", cancellationToken) ?? 0) <= _indexedThrough)
            {
                return false;
            }
        }

        using var turn = await gate.EnterAsync(WritePriority.Normal, cancellationToken);
        await using var lease = await database.OpenWriterAsync(cancellationToken);
        lease.Broken = true; // until the commit succeeds
        await using var transaction = await database.BeginWriteAsync(lease.Connection, cancellationToken);
        // Read on the writer: one writer connection stores decisions in id order, so every id up to this one is committed.
        var last = await ScalarAsync(lease.Connection, transaction, "SELECT MAX(\"Id\") FROM \"Decisions\"", cancellationToken) ?? 0;
        var through = Math.Min(last, _indexedThrough + RowsPerTransaction);
        await using (var index = SqlCommands.Create(lease.Connection, transaction, IndexSql, "@from", "@through"))
        {
            index.Parameters[0].Value = _indexedThrough;
            index.Parameters[1].Value = through;
            await index.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var state = SqlCommands.Create(lease.Connection, transaction,
            "INSERT INTO \"DeviceHistoryState\" (\"Id\", \"IndexedThroughId\") VALUES (1, @through) " +
            "ON CONFLICT (\"Id\") DO UPDATE SET \"IndexedThroughId\" = excluded.\"IndexedThroughId\"", "@through"))
        {
            state.Parameters[0].Value = through;
            await state.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        lease.Broken = false;
        Volatile.Write(ref _indexedThrough, through);
        return through < last;
    }

    /// <summary>
    /// <paramref name="query"/> narrowed to one device's decisions, in [<paramref name="fromMs"/>, <paramref name="toMs"/>)
    /// when given, with everything stored before this call indexed first. On SQLite the device is matched through the
    /// index table only: a <c>DeviceId</c> term on <c>Decisions</c> would tempt the planner into the unique
    /// (DeviceId, SampleId) index, a walk over the device's whole history.
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
