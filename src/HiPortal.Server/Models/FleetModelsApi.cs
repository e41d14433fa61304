using HiPortal.Core.Inference;
using HiPortal.Server.Audit;
using HiPortal.Server.Fleets;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Models;

/// <summary>
/// <c>PUT /api/v1/admin/fleets/{name}/models</c>: the pair a fleet runs. The pair is checked (same samples, same
/// classes), the new large version is loaded and warmed before anything changes, then the row and audit commit, the
/// route moves (new offloads go to the new version) and the old version drains and unloads once unused. A new tiny
/// version bumps the fleet's devices' configuration, so long-polling devices wake and fetch it. Rolling back is the
/// same call with the old versions.
/// </summary>
public static class FleetModelsApi
{
    // One pair change at a time, so two swaps cannot interleave their route moves.
    private static readonly SemaphoreSlim s_gate = new(1, 1);

    public static async Task<Results<Ok<FleetModels>, ProblemHttpResult>> Change(string name, FleetModelsRequest? request,
        [AsParameters] ModelServices services, FleetSettingsCache settings, ConfigNotifier notifier, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Validation("body", "a JSON object with 'tiny' and/or 'large' (name@version) is required");
        }

        if (request.Reason is { Length: > 500 })
        {
            return ProblemResults.Validation("reason", "at most 500 characters");
        }

        await s_gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
            var fleet = await db.Fleets.FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
            if (fleet is null)
            {
                return ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown fleet.", $"no fleet named '{name}'", "fleet");
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

            var tinySignature = ModelSignature.Create(services.Repository.Card(tiny.Name, tiny.Version!));
            var largeSignature = ModelSignature.Create(services.Repository.Card(large.Name, large.Version!));
            if (ModelSignature.PairMismatch(tinySignature, largeSignature) is { } mismatch)
            {
                return ProblemResults.Validation(request.Large is not null ? "large" : "tiny", mismatch);
            }

            var before = new FleetModels(fleet.TinyModel, fleet.LargeModel);
            var after = new FleetModels(tiny.ToString(), large.ToString());
            if (after.Large != before.Large)
            {
                try
                {
                    // Loaded and warm before the route moves: no request waits on a cold session.
                    await services.Host.LoadAsync(large.Name, large.Version!);
                }
                catch (Exception ex) when (ex is ModelCardException or InvalidDataException or IOException)
                {
                    return ProblemResults.Validation("large", $"{after.Large} cannot be served ({ex.Message})");
                }
            }

            fleet.TinyModel = after.Tiny;
            fleet.LargeModel = after.Large;
            var now = services.Time.GetUtcNow().UtcDateTime;
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

            AuditLog.Record(db, now, services.User.Actor, "fleet.models", "fleet", name, before, after,
                request.Reason);
            await db.SaveChangesAsync(cancellationToken);
            settings.Invalidate(name);
            if (after.Large != before.Large)
            {
                await services.Host.RouteAsync(name, large.Name, large.Version!);
            }

            bumped.ForEach(d => notifier.Changed(d.Id, d.ConfigVersion));
            return TypedResults.Ok(after);
        }
        finally
        {
            s_gate.Release();
        }
    }

    /// <summary>name@version of a registered version; a bare name means its newest registered version.</summary>
    private static ProblemHttpResult? Resolve(string text, string field, List<(string Name, string Version)> registered,
        out ModelReference reference)
    {
        if (!ModelReference.TryParse(text, out reference))
        {
            return ProblemResults.Validation(field, $"'{text}' is not name@version");
        }

        var name = reference.Name;
        var version = reference.Version ?? registered.Where(r => r.Name == name).Select(r => r.Version)
            .OrderDescending(VersionComparer.Instance).FirstOrDefault();
        if (version is null || !registered.Contains((name, version)))
        {
            return ProblemResults.Validation(field, $"{text} is not a registered model version");
        }

        reference = new ModelReference(name, version);
        return null;
    }
}
