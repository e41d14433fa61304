using System.ComponentModel.DataAnnotations;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

public sealed record CreateDeviceRequest(string? Name, string? Fleet);

public sealed record CreatedDevice(string DeviceId, string Name, string Fleet, string Key);

public sealed record DeviceSummary(string DeviceId, string Name, string Fleet, DateTime CreatedAt, int ActiveKeys);

public static class DevicesApi
{
    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/devices").WithTags("Devices");
        group.MapPost("/", CreateDevice).RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListDevices).RequireAuthorization(Policies.Reader);
        return app;
    }

    public static async Task<Results<Created<CreatedDevice>, ProblemHttpResult>> CreateDevice(
        CreateDeviceRequest? request, IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var name = request?.Name?.Trim();
        var fleet = string.IsNullOrWhiteSpace(request?.Fleet) ? "default" : request.Fleet.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 128)
        {
            return ProblemResults.Validation("name", "name is required and at most 128 characters");
        }

        if (fleet.Length > 64 || !fleet.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return ProblemResults.Validation("fleet", "fleet is at most 64 characters of letters, digits, '-', '_' or '.'");
        }

        var (key, keyId, hash) = DeviceKeyFormat.Generate();
        var now = time.GetUtcNow().UtcDateTime;
        var device = new Device { Id = DeviceKeyFormat.NewDeviceId(), Name = name, Fleet = fleet, CreatedAt = now };
        device.Keys.Add(new DeviceKey { DeviceId = device.Id, KeyId = keyId, SecretHash = hash, CreatedAt = now });
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Devices.Add(device);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/devices/{device.Id}", new CreatedDevice(device.Id, name, fleet, key));
    }

    public static async Task<Ok<List<DeviceSummary>>> ListDevices(
        IDbContextFactory<HiPortalDb> dbFactory, [Range(1, 1000)] int? take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var devices = await db.Devices.AsNoTracking().OrderBy(d => d.Name).Take(Math.Clamp(take ?? 100, 1, 1000))
            .Select(d => new DeviceSummary(d.Id, d.Name, d.Fleet, d.CreatedAt, d.Keys.Count(k => k.RevokedAt == null)))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(devices);
    }
}
