using HiPortal.Core.Inference;
using HiPortal.Server.Audit;
using HiPortal.Server.Fleets;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Models;

/// <summary>
/// The pair a fleet runs, for the API (<c>PUT /api/v1/admin/fleets/{name}/models</c>) and the dashboard alike. The pair
/// is checked (same samples, same classes), the new large version is loaded and warmed before anything changes, then
/// the row and audit commit, the route moves (new offloads go to the new version) and the old version drains and
/// unloads once unused. A new tiny version bumps the fleet's devices' configuration, so long-polling devices wake and
/// fetch it. Rolling back is the same call with the old versions.
/// </summary>
public sealed class FleetModelSwitch(ModelRepository repository, ModelHost host, IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time,
    FleetSettingsCache settings, ConfigNotifier notifier)
{
    // One pair change at a time, so two swaps cannot interleave their route moves.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Every registered version as name@version, newest version of each name first.</summary>
    public async Task<List<string>> RegisteredAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ModelVersions.AsNoTracking().Select(m => new { m.Name, m.Version }).ToListAsync(cancellationToken);
        return rows.OrderBy(r => r.Name, StringComparer.Ordinal).ThenByDescending(r => r.Version, VersionComparer.Instance)
            .Select(r => $"{r.Name}@{r.Version}").ToList();
    }

    public async Task<Outcome<FleetModels>> ChangeAsync(string name, FleetModelsRequest? request, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        if (request is null)
        {
            return Refusal.Invalid("body", "a JSON object with 'tiny' and/or 'large' (name@version) is required");
        }

        if (request.Reason is { Length: > 500 })
        {
            return Refusal.Invalid("reason", "at most 500 characters");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ChangeLockedAsync(name, request, user, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Outcome<FleetModels>> ChangeLockedAsync(string name, FleetModelsRequest request, CurrentUser user,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleet = await db.Fleets.FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
        if (fleet is null)
        {
            return FleetAdmin.UnknownFleet(name);
        }

        var registered = await db.ModelVersions.AsNoTracking().Select(m => new { m.Name, m.Version }).ToListAsync(cancellationToken);
        var versions = registered.Select(m => (m.Name, m.Version)).ToList();
        if (Resolve(request.Tiny ?? fleet.TinyModel, "tiny", versions, out var tiny) is { } badTiny)
        {
            return badTiny;
        }

        if (Resolve(request.Large ?? fleet.LargeModel, "large", versions, out var large) is { } badLarge)
        {
            return badLarge;
        }

        if (Signature(tiny, "tiny", out var tinySignature) is { } unreadableTiny)
        {
            return unreadableTiny;
        }

        if (Signature(large, "large", out var largeSignature) is { } unreadableLarge)
        {
            return unreadableLarge;
        }

        if (ModelSignature.PairMismatch(tinySignature, largeSignature) is { } mismatch)
        {
            return Refusal.Invalid(request.Large is not null ? "large" : "tiny", mismatch);
        }

        var before = new FleetModels(fleet.TinyModel, fleet.LargeModel);
        var after = new FleetModels(tiny.ToString(), large.ToString());
        if (after.Large != before.Large)
        {
            try
            {
                // Loaded and warm before the route moves: no request waits on a cold session.
                await host.LoadAsync(large.Name, large.Version!);
            }
            catch (Exception ex) when (Unservable(ex))
            {
                return Refusal.Invalid("large", $"{after.Large} cannot be served ({ex.Message})");
            }
        }

        // From here to the commit one write transaction, as a deletion's in-use check is (ModelsApi.Delete): a version
        // deleted since the check above (while the new one loaded) is refused here, and nothing changes.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await GoneAsync(db, tiny, large, cancellationToken) is { } gone)
        {
            // The write lock goes first: the unload waits for the version's worker.
            await transaction.RollbackAsync(cancellationToken);
            if (after.Large != before.Large)
            {
                await host.UnloadAsync(large.Name, large.Version!);
            }

            return Refusal.Invalid(gone.Field, $"{gone.Reference} is no longer a registered model version");
        }

        fleet.TinyModel = after.Tiny;
        fleet.LargeModel = after.Large;
        var now = time.GetUtcNow().UtcDateTime;
        var bumped = new List<Devices.Device>();
        if (after.Tiny != before.Tiny)
        {
            // A new desired version per device, in its config history like a θ change, committed with the audit row.
            bumped = await db.Devices.Where(d => d.Fleet == name).ToListAsync(cancellationToken);
            foreach (var device in bumped)
            {
                device.ConfigVersion++;
                db.ConfigEvents.Add(ConfigService.Desired(device, DeviceConfiguration.Effective(fleet, device), device.TinyModel(fleet), now));
            }
        }

        AuditLog.Record(db, now, user.Actor, "fleet.models", "fleet", name, before, after, request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        settings.Invalidate(name);
        if (after.Large != before.Large)
        {
            await host.RouteAsync(name, large.Name, large.Version!);
        }

        bumped.ForEach(d => notifier.Changed(d.Id, d.ConfigVersion));
        return after;
    }

    /// <summary>What a version whose files cannot be read or run throws: it may also have been deleted since it was resolved.</summary>
    private static bool Unservable(Exception ex) =>
        ex is ModelCardException or InvalidDataException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException;

    private Refusal? Signature(ModelReference reference, string field, out ModelSignature signature)
    {
        try
        {
            signature = ModelSignature.Create(repository.Card(reference.Name, reference.Version!));
            return null;
        }
        catch (Exception ex) when (Unservable(ex))
        {
            signature = null!;
            return Refusal.Invalid(field, $"{reference} cannot be read ({ex.Message})");
        }
    }

    /// <summary>The first of the pair (field and reference) whose version is no longer registered, or null.</summary>
    private static async Task<(string Field, ModelReference Reference)?> GoneAsync(HiPortalDb db, ModelReference tiny, ModelReference large,
        CancellationToken cancellationToken)
    {
        foreach (var (field, reference) in new[] { ("tiny", tiny), ("large", large) })
        {
            if (!await db.ModelVersions.AnyAsync(m => m.Name == reference.Name && m.Version == reference.Version, cancellationToken))
            {
                return (field, reference);
            }
        }

        return null;
    }

    /// <summary>name@version of a registered version; a bare name means its newest registered version.</summary>
    private static Refusal? Resolve(string text, string field, List<(string Name, string Version)> registered, out ModelReference reference)
    {
        if (!ModelReference.TryParse(text, out reference))
        {
            return Refusal.Invalid(field, $"'{text}' is not name@version");
        }

        var name = reference.Name;
        var version = reference.Version ?? registered.Where(r => r.Name == name).Select(r => r.Version)
            .OrderDescending(VersionComparer.Instance).FirstOrDefault();
        if (version is null || !registered.Contains((name, version)))
        {
            return Refusal.Invalid(field, $"{text} is not a registered model version");
        }

        reference = new ModelReference(name, version);
        return null;
    }
}
