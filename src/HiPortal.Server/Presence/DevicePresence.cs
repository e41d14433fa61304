using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Presence;

public sealed class PresenceOptions
{
    public const string Section = "Presence";

    /// <summary>A device not heard from for this long is offline.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often last-seen times are written to the database.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// When each device was last heard from. Every device request calls <see cref="Seen"/>, which only touches memory;
/// <see cref="PresenceFlusher"/> writes the times to the database in one batch per interval, so the ingest hot path
/// never waits for a last-seen UPDATE.
/// </summary>
public sealed class DevicePresence(TimeProvider time, IOptions<PresenceOptions> options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unflushed = new();
    private readonly ConcurrentDictionary<string, string> _fleets = new();

    public TimeSpan OfflineAfter => options.Value.OfflineAfter;

    /// <summary>
    /// The one way a request marks its device heard from. It takes the whole identity, not the id, so every device
    /// seen is also counted in its fleet (a telemetry-only device once went online without its fleet knowing).
    /// </summary>
    public void Seen(Devices.DeviceIdentity device)
    {
        var now = time.GetUtcNow();
        _fleets[device.DeviceId] = device.Fleet;
        _seen[device.DeviceId] = now;
        _unflushed[device.DeviceId] = now;
    }

    /// <summary>The later of the in-memory and stored last-seen times.</summary>
    public DateTimeOffset? LastSeen(string deviceId, DateTime? stored)
    {
        DateTimeOffset? fromDb = stored is { } s ? new DateTimeOffset(DateTime.SpecifyKind(s, DateTimeKind.Utc)) : null;
        return _seen.TryGetValue(deviceId, out var inMemory) && (fromDb is null || inMemory > fromDb) ? inMemory : fromDb;
    }

    public bool IsOnline(DateTimeOffset? lastSeen) => lastSeen is { } seen && time.GetUtcNow() - seen <= options.Value.OfflineAfter;

    /// <summary>Devices whose last-seen time is newer than the database's, drained.</summary>
    public List<KeyValuePair<string, DateTimeOffset>> DrainUnflushed()
    {
        var drained = new List<KeyValuePair<string, DateTimeOffset>>(_unflushed.Count);
        foreach (var key in _unflushed.Keys)
        {
            if (_unflushed.TryRemove(key, out var at))
            {
                drained.Add(new(key, at));
            }
        }

        return drained;
    }

    /// <summary>Puts back times that could not be written, unless a newer one arrived meanwhile.</summary>
    public void Requeue(IEnumerable<KeyValuePair<string, DateTimeOffset>> entries)
    {
        foreach (var (deviceId, at) in entries)
        {
            _unflushed.AddOrUpdate(deviceId, at, (_, current) => current > at ? current : at);
        }
    }

    /// <summary>Devices heard from by this instance after <paramref name="since"/> (to share with the other instances).</summary>
    public List<(string DeviceId, string Fleet, DateTimeOffset At)> SeenSince(DateTimeOffset since)
    {
        var seen = new List<(string, string, DateTimeOffset)>();
        foreach (var (deviceId, at) in _seen)
        {
            if (at > since && _fleets.TryGetValue(deviceId, out var fleet))
            {
                seen.Add((deviceId, fleet, at));
            }
        }

        return seen;
    }

    /// <summary>
    /// A device another instance heard from: counted here too, so every instance agrees who is online. The database
    /// write stays with the instance that heard it.
    /// </summary>
    public void Merge(string deviceId, string fleet, DateTimeOffset at)
    {
        _fleets[deviceId] = fleet;
        _seen.AddOrUpdate(deviceId, at, (_, current) => current > at ? current : at);
    }

    /// <summary>Online devices per fleet (fleet "*" counts all), from memory: cheap enough for once a second.</summary>
    public Dictionary<string, int> OnlineByFleet()
    {
        var now = time.GetUtcNow();
        var counts = new Dictionary<string, int> { ["*"] = 0 };
        foreach (var (deviceId, seen) in _seen)
        {
            if (now - seen > options.Value.OfflineAfter)
            {
                continue;
            }

            counts["*"]++;
            if (_fleets.TryGetValue(deviceId, out var fleet))
            {
                counts[fleet] = counts.GetValueOrDefault(fleet) + 1;
            }
        }

        return counts;
    }

    /// <summary>The ids of devices online now (for status-change events).</summary>
    public HashSet<string> OnlineDevices()
    {
        var now = time.GetUtcNow();
        return _seen.Where(kv => now - kv.Value <= options.Value.OfflineAfter).Select(kv => kv.Key).ToHashSet();
    }
}

public sealed class PresenceFlusher(DevicePresence presence, IDbContextFactory<HiPortalDb> dbFactory, WriteGate gate, TimeProvider time,
    IOptions<PresenceOptions> options, ILogger<PresenceFlusher> logger) : BackgroundService
{
    /// <summary>
    /// Devices per write transaction: a flush of 1,000 devices was one transaction of 1,000 updates, holding SQLite's
    /// write lock, and every decision batch behind it, for all of them.
    /// </summary>
    public const int DevicesPerTransaction = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: fall through to the last flush.
        }

        await FlushAsync(CancellationToken.None);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var pending = presence.DrainUnflushed();
        if (pending.Count == 0)
        {
            return;
        }

        for (var start = 0; start < pending.Count; start += DevicesPerTransaction)
        {
            var chunk = pending.GetRange(start, Math.Min(DevicesPerTransaction, pending.Count - start));
            try
            {
                await WriteAsync(chunk, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Shutting down: what is not written yet goes to the last flush.
                presence.Requeue(pending.Skip(start));
                throw;
            }
            catch (Exception ex)
            {
                presence.Requeue(chunk);
                logger.LogError(ex, "Writing last-seen times failed; they stay in memory and are retried");
            }
        }
    }

    /// <summary>
    /// A last-seen time only moves forward. Quoted identifiers are the exact names EF Core created, on SQLite and
    /// PostgreSQL alike; a <see cref="DateTime"/> parameter is stored as EF Core stores the column (SQLite: the same
    /// sortable text; PostgreSQL: a UTC timestamp).
    /// </summary>
    internal const string UpdateSql =
        "UPDATE \"Devices\" SET \"LastSeenAt\" = @at WHERE \"Id\" = @id AND (\"LastSeenAt\" IS NULL OR \"LastSeenAt\" < @at)";

    /// <summary>
    /// One command for the chunk, bound again per device (SQLite keeps its statement prepared between runs). Each
    /// device was a LINQ <c>ExecuteUpdate</c>, whose expression tree, cache lookup and command were built again for
    /// every one of a fleet's devices.
    /// </summary>
    private async Task WriteAsync(List<KeyValuePair<string, DateTimeOffset>> chunk, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken: cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await using var update = SqlCommands.Create(db.Database.GetDbConnection(), transaction.GetDbTransaction(), UpdateSql, "@at", "@id");
        foreach (var (deviceId, seen) in chunk)
        {
            update.Parameters[0].Value = seen.UtcDateTime;
            update.Parameters[1].Value = deviceId;
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
