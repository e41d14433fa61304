using HiPortal.Server.Identity;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

public sealed record DeviceRow(
    string DeviceId,
    string Name,
    string Fleet,
    bool Online,
    DateTimeOffset? LastSeenAt,
    string Rule,
    double Threshold,
    bool HasOverride,
    long ConfigVersion,
    long? ReportedVersion,
    string? ReportedStatus,
    bool Pending,
    bool Revoked);

public sealed record DevicePage(int Total, int Page, int PageSize, List<DeviceRow> Items);

public sealed record KeyView(string KeyId, DateTime CreatedAt, DateTime? RevokedAt);

public sealed record DeviceDetail(DeviceRow Device, EffectiveConfigResponse? Effective, object Overrides, List<KeyView> Keys,
    string? ReportedMessage, DateTime? ReportedAt, long? LastTelemetrySequence, long TelemetryGaps, long TelemetryDuplicates);

/// <summary>Registering devices, finding them (server-side paging for 10,000s), and one device's full picture.</summary>
public static class DevicesApi
{
    public static IHostApplicationBuilder AddDevices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeviceQueries>();
        builder.Services.AddSingleton<DeviceAdmin>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup(Routes.Devices).WithTags("Devices");
        // Who may call is said once per group, so handlers hold only the domain.
        var readers = devices.MapGroup("").RequireAuthorization(Policies.Reader);
        readers.MapGet("/", ListDevices);
        readers.MapGet("/{id}", GetDevice);
        readers.MapGet("/{id}/config-history", ConfigHistory);
        var admins = devices.MapGroup("").RequireAuthorization(Policies.Admin);
        admins.MapPost("/", CreateDevice);
        admins.MapPost("/tags", DeviceTagsApi.BulkTags);
        admins.MapPut("/{id}/tags", DeviceTagsApi.SetTags);
        admins.MapPut("/{id}/config", SetOverride);
        admins.MapDelete("/{id}/config", ClearOverride);
        admins.MapPost("/{id}/keys", DeviceKeysApi.RotateKey);
        admins.MapDelete("/{id}/keys/{keyId}", DeviceKeysApi.RevokeKey);
        admins.MapPost("/{id}/revoke", DeviceKeysApi.RevokeDevice);
        return app;
    }

    public static async Task<Results<Created<CreatedDevice>, ProblemHttpResult>> CreateDevice(
        CreateDeviceRequest? request, DeviceAdmin admin, CurrentUser user, CancellationToken cancellationToken)
    {
        var outcome = await admin.CreateAsync(request, user, cancellationToken);
        return outcome.Value is { } device ? TypedResults.Created(Routes.Device(device.DeviceId), device) : outcome.Refusal!.ToProblem();
    }

    public static async Task<Results<Ok<DevicePage>, ProblemHttpResult>> ListDevices(DeviceQueries queries, string? fleet, string? status,
        string? name, string? sort, bool? descending, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var size = pageSize ?? 50;
        if (size is < 1 or > 500)
        {
            return ProblemResults.Validation("pageSize", "must be between 1 and 500");
        }

        if (page is < 1)
        {
            return ProblemResults.Validation("page", "must be 1 or more");
        }

        if (status is not null && !DeviceQueries.Statuses.Contains(status))
        {
            return ProblemResults.Validation("status", string.Join(", ", DeviceQueries.Statuses[..^1]) + $" or {DeviceQueries.Statuses[^1]}");
        }

        return TypedResults.Ok(await queries.ListAsync(
            new DeviceListQuery(fleet, status, name, sort, descending ?? false, page ?? 1, size), cancellationToken));
    }

    public static async Task<Results<Ok<DeviceDetail>, ProblemHttpResult>> GetDevice(string id, DeviceQueries queries,
        CancellationToken cancellationToken) =>
        await queries.GetAsync(id, cancellationToken) is { } detail ? TypedResults.Ok(detail) : NotFound(id);

    public static async Task<Results<Ok<List<ConfigEvent>>, ProblemHttpResult>> ConfigHistory(string id, int? take, DeviceQueries queries,
        CancellationToken cancellationToken) =>
        await queries.ConfigHistoryAsync(id, take ?? 100, cancellationToken) is { } events ? TypedResults.Ok(events) : NotFound(id);

    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> SetOverride(string id, ConfigChange? change,
        ConfigService configs, CurrentUser user, CancellationToken cancellationToken)
    {
        if (change is null)
        {
            return ProblemResults.Validation("body", "a JSON object with the fields to override is required");
        }

        var result = await configs.ChangeDeviceAsync(id, change, clear: false, user, "device.config", cancellationToken);
        return Result(id, result);
    }

    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> ClearOverride(string id, string? reason,
        ConfigService configs, CurrentUser user, CancellationToken cancellationToken)
    {
        var result = await configs.ChangeDeviceAsync(id, new ConfigChange(null, null, null, null, reason), clear: true,
            user, "device.config.clear", cancellationToken);
        return Result(id, result);
    }

    internal static ProblemHttpResult NotFound(string id) => DeviceAdmin.UnknownDevice(id).ToProblem();

    private static Results<Ok<ConfigChangeResult>, ProblemHttpResult> Result(string id, ConfigChangeResult result) => result switch
    {
        { Forbidden: true } => ConfigChangeResult.ForbiddenProblem(),
        { NotFound: true } => NotFound(id),
        { Error: { } e } => ProblemResults.Validation(e.Field, e.Message),
        _ => TypedResults.Ok(result),
    };
}
