using System.Collections.Concurrent;
using HiPortal.Server.Audit;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Alarms;

/// <summary>
/// The one writer of alarms. Which alarms are open is kept in memory (loaded once from the database), so the
/// evaluator can ask every interval for every device without a query; a raise or clear writes the alarm and its audit
/// row in one transaction, then tells the notifier (dashboard, hub, webhook).
/// </summary>
public sealed class AlarmService(IDbContextFactory<HiPortalDb> dbFactory, AlarmNotifier notifier, TimeProvider time,
    ILogger<AlarmService> logger) : IAlarmRaiser
{
    public const string SystemActor = "system";

    private readonly ConcurrentDictionary<(string Kind, string Scope), long> _open = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private volatile bool _loaded;

    public int OpenCount => _open.Count;

    public bool IsOpen(string kind, string scope) => _open.ContainsKey((kind, scope));

    /// <summary>Reads the open alarms once (at start, or on first use).</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (!_loaded)
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                foreach (var a in await db.Alarms.AsNoTracking().Where(a => a.ClearedAt == null).ToListAsync(cancellationToken))
                {
                    _open[(a.Kind, a.Scope)] = a.Id;
                }

                _loaded = true;
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task<bool> RaiseAsync(string kind, string scope, string detail, double? value = null, CancellationToken cancellationToken = default)
    {
        Check(kind, scope);
        await EnsureLoadedAsync(cancellationToken);
        Alarm alarm;
        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (_open.ContainsKey((kind, scope)))
            {
                return false;
            }

            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            alarm = new Alarm { Kind = kind, Scope = scope, RaisedAt = now, Detail = Clip(detail), Value = Finite(value) };
            db.Alarms.Add(alarm);
            AuditLog.Record(db, now, SystemActor, "alarm.raise", "alarm", Clip(scope, 64), null,
                new { kind, scope, detail = alarm.Detail, value = alarm.Value }, Clip(kind, 500));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another instance opened it first (the filtered unique index): it is open, and not ours to announce.
                await using var read = await dbFactory.CreateDbContextAsync(cancellationToken);
                if (await read.Alarms.AsNoTracking().FirstOrDefaultAsync(a => a.Kind == kind && a.Scope == scope && a.ClearedAt == null,
                    cancellationToken) is not { } existing)
                {
                    throw;
                }

                _open[(kind, scope)] = existing.Id;
                return false;
            }

            _open[(kind, scope)] = alarm.Id;
        }
        finally
        {
            _writes.Release();
        }

        logger.LogWarning("Alarm {Kind} raised for {Scope}: {Detail}", kind, scope, alarm.Detail);
        await notifier.PublishAsync(Event(alarm, AlarmEvent.Raised, alarm.RaisedAt, alarm.Detail));
        return true;
    }

    public async Task<bool> ClearAsync(string kind, string scope, string detail, CancellationToken cancellationToken = default)
    {
        Check(kind, scope);
        await EnsureLoadedAsync(cancellationToken);
        Alarm? alarm;
        var now = time.GetUtcNow().UtcDateTime;
        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (!_open.TryGetValue((kind, scope), out var id))
            {
                return false;
            }

            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            alarm = await db.Alarms.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
            _open.TryRemove((kind, scope), out _);
            if (alarm is null || alarm.ClearedAt is not null)
            {
                return false; // cleared elsewhere (another instance, an operator)
            }

            alarm.ClearedAt = now;
            AuditLog.Record(db, now, SystemActor, "alarm.clear", "alarm", Clip(scope, 64), new { kind, scope, detail = alarm.Detail },
                new { kind, scope, detail = Clip(detail) }, Clip(kind, 500));
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            _writes.Release();
        }

        logger.LogInformation("Alarm {Kind} cleared for {Scope}: {Detail}", kind, scope, detail);
        await notifier.PublishAsync(Event(alarm, AlarmEvent.Cleared, now, Clip(detail)));
        return true;
    }

    /// <summary>A person has seen it: recorded and audited; the alarm stays open until its condition clears.</summary>
    public async Task<Alarm?> AcknowledgeAsync(long id, string actor, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var alarm = await db.Alarms.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alarm is null || alarm.AcknowledgedAt is not null)
        {
            return alarm;
        }

        alarm.AcknowledgedAt = time.GetUtcNow().UtcDateTime;
        alarm.AcknowledgedBy = Clip(actor, 64);
        AuditLog.Record(db, alarm.AcknowledgedAt.Value, actor, "alarm.acknowledge", "alarm", Clip(alarm.Scope, 64), null,
            new { alarm.Id, alarm.Kind, alarm.Scope }, null);
        await db.SaveChangesAsync(cancellationToken);
        await notifier.PublishAsync(Event(alarm, "acknowledged", alarm.AcknowledgedAt.Value, alarm.Detail));
        return alarm;
    }

    private static AlarmEvent Event(Alarm alarm, string transition, DateTime at, string detail) =>
        new($"{alarm.Id}-{transition}", alarm.Id, alarm.Kind, alarm.Scope, transition,
            new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)), detail, alarm.Value);

    private static void Check(string kind, string scope)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(kind.Length, 32, nameof(kind));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scope.Length, 100, nameof(scope));
    }

    private static string Clip(string text, int max = 500) => text.Length <= max ? text : text[..max];

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
