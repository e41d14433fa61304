using HiPortal.Core.Savings;
using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Fleets;

/// <summary>What changing a fleet's settings needs, bound from DI in one parameter (eShop's <c>CatalogServices</c>).</summary>
public sealed record FleetSettingsServices(IDbContextFactory<HiPortalDb> DbFactory, FleetSettingsCache SettingsCache, TimeProvider Time,
    CurrentUser User);

public static class FleetsApi
{
    public static IHostApplicationBuilder AddFleets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FleetQueries>();
        builder.Services.AddSingleton<FleetSettingsCache>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFleetsApi(this IEndpointRouteBuilder app)
    {
        var fleets = app.MapGroup(Routes.Fleets).WithTags("Fleets");
        // Who may call is said once per group, so handlers hold only the domain.
        var readers = fleets.MapGroup("").RequireAuthorization(Policies.Reader);
        readers.MapGet("/", ListFleets);
        readers.MapGet("/{name}", GetFleet);
        var admins = fleets.MapGroup("").RequireAuthorization(Policies.Admin);
        admins.MapPost("/", CreateFleet);
        admins.MapPut("/{name}/config", ChangeConfig);
        admins.MapPut("/{name}/settings", ChangeSettings);
        return app;
    }

    public static async Task<Ok<List<FleetView>>> ListFleets(FleetQueries queries, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.ListAsync(cancellationToken));

    public static async Task<Results<Ok<FleetView>, ProblemHttpResult>> GetFleet(string name, FleetQueries queries,
        CancellationToken cancellationToken) =>
        await queries.GetAsync(name, cancellationToken) is { } fleet ? TypedResults.Ok(fleet) : NotFound(name);

    public static async Task<Results<Created<FleetView>, ProblemHttpResult>> CreateFleet(CreateFleetRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, CurrentUser user, IOptions<Models.ModelsOptions> models,
        CancellationToken cancellationToken)
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
            return ProblemResults.Validation(unrunnable.Field, unrunnable.Message);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Fleets differing only in case would be two fleets to the database and one to a reader. lower() on both sides
        // runs in SQL on either provider (a collation name does not travel; a StringComparison does not translate).
#pragma warning disable CA1862
        if (await db.Fleets.AnyAsync(f => f.Name.ToLower() == fleet.Name.ToLower(), cancellationToken))
#pragma warning restore CA1862
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The fleet exists.", $"a fleet named '{fleet.Name}' exists", "name");
        }

        db.Fleets.Add(fleet);
        AuditLog.Record(db, now, user.Actor, "fleet.create", "fleet", fleet.Name, null, DeviceConfiguration.Desired(fleet), request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(Routes.Fleet(fleet.Name), await FleetQueries.ViewAsync(db, fleet, cancellationToken));
    }

    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> ChangeConfig(string name, ConfigChange? change,
        ConfigService configs, CurrentUser user, CancellationToken cancellationToken)
    {
        if (change is null)
        {
            return ProblemResults.Validation("body", "a JSON object with the fields to change is required");
        }

        var result = await configs.ChangeFleetAsync(name, change, user, "fleet.config", cancellationToken);
        return result switch
        {
            { Forbidden: true } => ConfigChangeResult.ForbiddenProblem(),
            { NotFound: true } => NotFound(name),
            { Error: { } e } => ProblemResults.Validation(e.Field, e.Message),
            _ => TypedResults.Ok(result),
        };
    }

    public static async Task<Results<Ok<FleetView>, ProblemHttpResult>> ChangeSettings(string name, FleetSettingsRequest? request,
        [AsParameters] FleetSettingsServices services, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Validation("body", "a JSON object with the settings to change is required");
        }

        if (FleetSettingsValidation.Validate(request) is { } invalid)
        {
            return ProblemResults.Validation(invalid.Field, invalid.Message);
        }

        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
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
        fleet.OnlineLearner = request.OnlineLearner ?? fleet.OnlineLearner;
        fleet.MaxOffloadFraction = request.MaxOffloadFraction ?? fleet.MaxOffloadFraction;
        if (fleet.AutoThresholdMin > fleet.AutoThresholdMax)
        {
            return ProblemResults.Validation("autoThresholdMin", "must not exceed autoThresholdMax");
        }

        AuditLog.Record(db, services.Time.GetUtcNow().UtcDateTime, services.User.Actor, "fleet.settings", "fleet", name, before,
            Settings(fleet), request.Reason);
        await db.SaveChangesAsync(cancellationToken);
        services.SettingsCache.Invalidate(name);
        return TypedResults.Ok(await FleetQueries.ViewAsync(db, fleet, cancellationToken));
    }

    private static ProblemHttpResult NotFound(string name) =>
        ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown fleet.", $"no fleet named '{name}'", "fleet");

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
