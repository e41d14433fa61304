using HiPortal.Core.Savings;
using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Models;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Fleets;

/// <summary>
/// Creating fleets and changing their settings, for the admin API and the dashboard alike: one set of checks, one
/// audit row per change, the same refusals.
/// </summary>
public sealed class FleetAdmin(IDbContextFactory<HiPortalDb> dbFactory, FleetSettingsCache settingsCache, TimeProvider time,
    IOptions<ModelsOptions> models)
{
    public async Task<Outcome<FleetView>> CreateAsync(CreateFleetRequest? request, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        var name = request?.Name?.Trim();
        if (Names.FleetError(name) is { } badName)
        {
            return Refusal.Invalid("name", badName);
        }

        // Checked here too: ConfigValidation only runs when configuration fields are given.
        if (request!.Reason is { Length: > 500 })
        {
            return Refusal.Invalid("reason", "at most 500 characters");
        }

        var change = new ConfigChange(request.Threshold, request.Rule, request.Coefficients, request.TelemetryIntervalSeconds, request.Reason);
        var hasConfig = change is not { Threshold: null, Rule: null, Coefficients: null, TelemetryIntervalSeconds: null };
        if (hasConfig && ConfigValidation.Validate(change) is { } invalid)
        {
            return Refusal.Invalid(invalid);
        }

        if (request.DeviceProfile is { } profile && !DeviceProfiles.All.Any(p => p.Name == profile))
        {
            return Refusal.Invalid("deviceProfile", $"unknown profile; known: {string.Join(", ", DeviceProfiles.All.Select(p => p.Name))}");
        }

        var now = time.GetUtcNow().UtcDateTime;
        // The same apply as every later change (ConfigService), over the defaults a new fleet starts from.
        var fleet = new Fleet
        {
            Name = name!,
            CreatedAt = now,
            DeviceProfile = request.DeviceProfile ?? "esp32-wifi",
            Config = ConfigValues.FleetDefaults.With(change),
            // A new fleet starts on the configured pair; PUT .../models switches it.
            TinyModel = models.Value.DefaultTiny,
            LargeModel = models.Value.DefaultLarge,
        };
        if (ConfigValidation.ValidateResult(DeviceConfiguration.Desired(fleet)) is { } unrunnable)
        {
            return Refusal.Invalid(unrunnable);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The check and the insert in one write transaction, so creates at once (in any case) cannot both pass it.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Fleets differing only in case would be two fleets to the database and one to a reader. lower() on both sides
        // runs in SQL on either provider (a collation name does not travel; a StringComparison does not translate).
#pragma warning disable CA1862
        if (await db.Fleets.AnyAsync(f => f.Name.ToLower() == fleet.Name.ToLower(), cancellationToken))
#pragma warning restore CA1862
        {
            return new Refusal(StatusCodes.Status409Conflict, "The fleet exists.", "name", $"a fleet named '{fleet.Name}' exists");
        }

        db.Fleets.Add(fleet);
        AuditLog.Record(db, now, user.Actor, "fleet.create", "fleet", fleet.Name, null, DeviceConfiguration.Desired(fleet), request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await FleetQueries.ViewAsync(db, fleet, cancellationToken);
    }

    public async Task<Outcome<FleetView>> ChangeSettingsAsync(string name, FleetSettingsRequest? request, CurrentUser user,
        CancellationToken cancellationToken)
    {
        if (!user.IsAdmin)
        {
            return Refusal.AdminsOnly;
        }

        if (request is null)
        {
            return Refusal.Invalid("body", "a JSON object with the settings to change is required");
        }

        if (FleetSettingsValidation.Validate(request) is { } invalid)
        {
            return Refusal.Invalid(invalid);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleet = await db.Fleets.FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
        if (fleet is null)
        {
            return UnknownFleet(name);
        }

        var before = Settings(fleet);
        fleet.RateLimitPerSecond = request.RateLimitPerSecond ?? fleet.RateLimitPerSecond;
        fleet.RateLimitBurst = request.RateLimitBurst ?? fleet.RateLimitBurst;
        fleet.DeviceProfile = request.DeviceProfile ?? fleet.DeviceProfile;
        fleet.AutoThreshold = request.AutoThreshold ?? fleet.AutoThreshold;
        fleet.AutoThresholdMin = request.AutoThresholdMin ?? fleet.AutoThresholdMin;
        fleet.AutoThresholdMax = request.AutoThresholdMax ?? fleet.AutoThresholdMax;
        fleet.OnlineLearner = request.OnlineLearner ?? fleet.OnlineLearner;
        fleet.MaxOffloadFraction = request.MaxOffloadFraction ?? fleet.MaxOffloadFraction;
        if (fleet.AutoThresholdMin > fleet.AutoThresholdMax)
        {
            return Refusal.Invalid("autoThresholdMin", "must not exceed autoThresholdMax");
        }

        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, user.Actor, "fleet.settings", "fleet", name, before, Settings(fleet), request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        settingsCache.Invalidate(name);
        return await FleetQueries.ViewAsync(db, fleet, cancellationToken);
    }

    public static Refusal UnknownFleet(string name) => new(StatusCodes.Status404NotFound, "Unknown fleet.", "fleet", $"no fleet named '{name}'");

    private static object Settings(Fleet f) => new
    {
        f.RateLimitPerSecond,
        f.RateLimitBurst,
        f.DeviceProfile,
        f.AutoThreshold,
        f.AutoThresholdMin,
        f.AutoThresholdMax,
        f.OnlineLearner,
        f.MaxOffloadFraction,
    };
}
