using HiPortal.Core.Inference;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using Microsoft.Net.Http.Headers;

namespace HiPortal.Server.Models;

/// <summary>
/// <c>GET /api/v1/models/{name}/{version}/file</c>: the tiny model a device's fleet names, for the device to run.
/// Only that model (any other is 404, so a key reveals nothing of other fleets); the ETag is its sha256, so a device
/// that has it gets 304.
/// </summary>
public static class ModelFileApi
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDeviceGroup("/api/v1/models").WithTags("Models").MapGet("/{name}/{version}/file", Download);

    public static async Task<IResult> Download(HttpContext context, string name, string version, FleetSettingsCache fleets,
        ModelRepository repository, CancellationToken cancellationToken)
    {
        var device = DeviceIdentity.From(context.User)!;
        var fleet = await fleets.GetAsync(device.Fleet, cancellationToken);
        if (fleet is null || fleet.TinyModel != $"{name}@{version}" || !repository.Exists(name, version))
        {
            return Problems.ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown model.",
                $"{name}@{version} is not the tiny model of this device's fleet", "model");
        }

        var card = repository.Card(name, version);
        var etag = new EntityTagHeaderValue($"\"{card.Sha256}\"");
        var path = repository.OnnxPath(name, version);
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } ifNoneMatch &&
            ifNoneMatch.Any(t => t.Compare(etag, useStrongComparison: false) || t.Equals(EntityTagHeaderValue.Any)))
        {
            context.Response.GetTypedHeaders().ETag = etag;
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.File(path, "application/octet-stream", $"{name}-{version}{Path.GetExtension(ModelLayout.OnnxFileName)}",
            entityTag: etag);
    }
}
