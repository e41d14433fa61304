using System.Security.Claims;
using HiPortal.Core.Savings;
using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Fleets;

public sealed record FleetView(
    string Name,
    DeviceConfiguration Desired,
    double RateLimitPerSecond,
    int RateLimitBurst,
    string DeviceProfile,
    bool AutoThreshold,
    double AutoThresholdMin,
    double AutoThresholdMax,
    int Devices,
    int Applied,
    int Pending);

public static class FleetsApi
{
    public static IEndpointRouteBuilder MapFleetsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/fleets").WithTags("Fleets");
        group.MapGet("/", ListFleets).RequireAuthorization(Policies.Reader);
        group.MapGet("/{name}", GetFleet).RequireAuthorization(Policies.Reader);
        group.MapPost("/", CreateFleet).RequireAuthorization(Policies.Admin);
        group.MapPut("/{name}/config", ChangeConfig).RequireAuthorization(Policies.Admin);
        group.MapPut("/{name}/settings", ChangeSettings).RequireAuthorization(Policies.Admin);
        return app;
    }

    public static async Task<Ok<List<FleetView>>> ListFleets(IDbContextFactory<HiPortalDb> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleets = await db.Fleets.AsNoTracking().OrderBy(f => f.Name).ToListAsync(cancellationToken);
        var counts = await Counts(db, null, cancellationToken);
        return TypedResults.Ok(fleets.Select(f => View(f, counts.GetValueOrDefault(f.Name))).ToList());
    }

    public static async Task<Results<Ok<FleetView>, ProblemHttpResult>> GetFleet(string name, IDbContextFactory<HiPortalDb> dbFactory,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleet = await db.Fleets.AsNoTracking().FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
        if (fleet is null)
        {
            return NotFound(name);
        }

        var counts = await Counts(db, name, cancellationToken);
        return TypedResults.Ok(View(fleet, counts.GetValueOrDefault(name)));
    }

    public static async Task<Results<Created<FleetView>, ProblemHttpResult>> CreateFleet(CreateFleetRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var name = request?.Name?.Trim();
        if (Identity.Names.FleetError(name) is { } badName)
        {
            return ProblemResults.Validation("name", badName);
        }

        // Checked here too: ConfigValidation only runs when configuration fields are given.
        if (request!.Reason is { Length: > 500 })
        {
            return ProblemResults.Validation("reason", "at most 500 characters");
        }

        var change = new ConfigChange(request.Threshold, request.Rule, request.Coefficients, request.TelemetryIntervalSeconds, request.Reason);
        var hasConfig = change is not { Threshold: null, Rule: null, Coefficients: null, TelemetryIntervalSeconds: null };
        if (hasConfig && ConfigValidation.Validate(change) is { } invalid)
        {
            return ProblemResults.Validation(invalid.Field, invalid.Message);
        }

        if (request.DeviceProfile is { } profile && !DeviceProfiles.All.Any(p => p.Name == profile))
        {
            return ProblemResults.Validation("deviceProfile", $"unknown profile; known: {string.Join(", ", DeviceProfiles.All.Select(p => p.Name))}");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var fleet = new Fleet { Name = name!, CreatedAt = now, DeviceProfile = request.DeviceProfile ?? "esp32-wifi" };
        fleet.Threshold = change.Threshold ?? fleet.Threshold;
        fleet.Rule = change.Rule?.ToLowerInvariant() ?? fleet.Rule;
        if (change.Coefficients is { } c)
        {
            (fleet.LrBias, fleet.LrW1, fleet.LrW2) = (c[0], c[1], c[2]);
        }

        fleet.TelemetryIntervalSeconds = change.TelemetryIntervalSeconds ?? fleet.TelemetryIntervalSeconds;
        if (ConfigValidation.ValidateResult(DeviceConfiguration.Desired(fleet)) is { } unrunnable)
        {
            return ProblemResults.Validation(unrunnable.Field, unrunnable.Message);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Fleets differing only in case would be two fleets to the database and one to a reader.
        if (await db.Fleets.AnyAsync(f => EF.Functions.Collate(f.Name, "NOCASE") == fleet.Name, cancellationToken))
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The fleet exists.", $"a fleet named '{fleet.Name}' exists", "name");
        }

        db.Fleets.Add(fleet);
        AuditLog.Record(db, now, Actor(user), "fleet.create", "fleet", fleet.Name, null, DeviceConfiguration.Desired(fleet), request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/fleets/{fleet.Name}", View(fleet, default));
    }

    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> ChangeConfig(string name, ConfigChange? change,
        ConfigService configs, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (change is null)
        {
            return ProblemResults.Validation("body", "a JSON object with the fields to change is required");
        }

        var result = await configs.ChangeFleetAsync(name, change, Actor(user), "fleet.config", cancellationToken);
        return result switch
        {
            { NotFound: true } => NotFound(name),
            { Error: { } e } => ProblemResults.Validation(e.Field, e.Message),
            _ => TypedResults.Ok(result),
        };
    }

    public static async Task<Results<Ok<FleetView>, ProblemHttpResult>> ChangeSettings(string name, FleetSettingsRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, FleetSettingsCache settingsCache, TimeProvider time, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Validation("body", "a JSON object with the settings to change is required");
        }

        if (FleetSettingsValidation.Validate(request) is { } invalid)
        {
            return ProblemResults.Validation(invalid.Field, invalid.Message);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fleet = await db.Fleets.FirstOrDefaultAsync(f => f.Name == name, cancellationToken);
        if (fleet is null)
        {
            return NotFound(name);
        }

        var before = Settings(fleet);
        fleet.RateLimitPerSecond = request.RateLimitPerSecond ?? fleet.RateLimitPerSecond;
        fleet.RateLimitBurst = request.RateLimitBurst ?? fleet.RateLimitBurst;
        fleet.DeviceProfile = request.DeviceProfile ?? fleet.DeviceProfile;
        fleet.AutoThreshold = request.AutoThreshold ?? fleet.AutoThreshold;
        fleet.AutoThresholdMin = request.AutoThresholdMin ?? fleet.AutoThresholdMin;
        fleet.AutoThresholdMax = request.AutoThresholdMax ?? fleet.AutoThresholdMax;
        if (fleet.AutoThresholdMin > fleet.AutoThresholdMax)
        {
            return ProblemResults.Validation("autoThresholdMin", "must not exceed autoThresholdMax");
        }

        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, Actor(user), "fleet.settings", "fleet", name, before, Settings(fleet), request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        settingsCache.Invalidate(name);
        var counts = await Counts(db, name, cancellationToken);
        return TypedResults.Ok(View(fleet, counts.GetValueOrDefault(name)));
    }

    internal static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    private static ProblemHttpResult NotFound(string name) =>
        ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown fleet.", $"no fleet named '{name}'", "fleet");

    private static object Settings(Fleet f) => new
    {
        f.RateLimitPerSecond, f.RateLimitBurst, f.DeviceProfile, f.AutoThreshold, f.AutoThresholdMin, f.AutoThresholdMax,
    };

    private static FleetView View(Fleet f, (int Devices, int Applied) counts) => new(
        f.Name, DeviceConfiguration.Desired(f), f.RateLimitPerSecond, f.RateLimitBurst, f.DeviceProfile, f.AutoThreshold,
        f.AutoThresholdMin, f.AutoThresholdMax, counts.Devices, counts.Applied, counts.Devices - counts.Applied);

    /// <summary>Devices per fleet and how many report their current version applied (one grouped query).</summary>
    private static async Task<Dictionary<string, (int Devices, int Applied)>> Counts(HiPortalDb db, string? fleet, CancellationToken cancellationToken)
    {
        var query = db.Devices.AsNoTracking().Where(d => d.RevokedAt == null);
        if (fleet is not null)
        {
            query = query.Where(d => d.Fleet == fleet);
        }

        var rows = await query.GroupBy(d => d.Fleet)
            .Select(g => new { Fleet = g.Key, Devices = g.Count(), Applied = g.Count(d => d.ReportedVersion == d.ConfigVersion && d.ReportedStatus == "applied") })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Fleet, r => (r.Devices, r.Applied));
    }
}
