using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Stats;

public sealed record FleetStatsResponse(
    string Fleet, DateTimeOffset From, DateTimeOffset To, int BucketSeconds, StatsFigures Totals, IReadOnlyList<StatsBucket> Series);

public sealed record DeviceStatsResponse(
    string DeviceId, string Fleet, DateTimeOffset From, DateTimeOffset To, int BucketSeconds, StatsFigures Totals,
    IReadOnlyList<StatsBucket> Series);

/// <summary>
/// <c>GET /api/v1/stats/fleets/{fleet}</c> and <c>/devices/{deviceId}</c>: what HI saved, as totals and a time
/// series, for admins and operators. Query: <c>from</c>, <c>to</c> (ISO 8601; default the last hour), <c>bucketSeconds</c>.
/// </summary>
public static class StatsApi
{
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatsQueries>();
        return builder;
    }

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Routes.Stats).WithTags("Stats").RequireAuthorization(Policies.Reader);
        group.MapGet("/fleets/{fleet}", GetFleetStats);
        group.MapGet("/devices/{deviceId}", GetDeviceStats);
        return app;
    }

    public static async Task<Results<Ok<FleetStatsResponse>, ProblemHttpResult>> GetFleetStats(string fleet, string? from, string? to,
        string? bucketSeconds, StatsQueries stats, IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (StatsWindow.Parse(from, to, bucketSeconds, time.GetUtcNow(), out var window) is { } error)
        {
            return ProblemResults.Validation(error.Field, error.Message);
        }

        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.Fleets.AnyAsync(f => f.Name == fleet, cancellationToken))
            {
                return NotFound("fleet", $"no fleet is named '{fleet}'");
            }
        }

        var series = await stats.SeriesAsync(StatsScope.ForFleet(fleet), window!, cancellationToken);
        return TypedResults.Ok(new FleetStatsResponse(fleet, window!.From, window.To, window.BucketSeconds, series.Totals, series.Buckets));
    }

    public static async Task<Results<Ok<DeviceStatsResponse>, ProblemHttpResult>> GetDeviceStats(string deviceId, string? from,
        string? to, string? bucketSeconds, StatsQueries stats, IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (StatsWindow.Parse(from, to, bucketSeconds, time.GetUtcNow(), out var window) is { } error)
        {
            return ProblemResults.Validation(error.Field, error.Message);
        }

        string? fleet;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            fleet = await db.Devices.Where(d => d.Id == deviceId).Select(d => d.Fleet).FirstOrDefaultAsync(cancellationToken);
        }

        if (fleet is null)
        {
            return NotFound("deviceId", $"no device has the id '{deviceId}'");
        }

        var series = await stats.SeriesAsync(StatsScope.ForDevice(deviceId), window!, cancellationToken);
        return TypedResults.Ok(new DeviceStatsResponse(deviceId, fleet, window!.From, window.To, window.BucketSeconds, series.Totals,
            series.Buckets));
    }

    private static ProblemHttpResult NotFound(string field, string detail) =>
        ProblemResults.Status(StatusCodes.Status404NotFound, "Not found.", detail, field);
}
