using HiPortal.Core.Inference;
using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Models;

/// <summary>The model lifecycle for admins: register, list, delete versions, and name a fleet's pair. Every change is audited.</summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var admins = app.MapGroup(Routes.Models).WithTags("Models").RequireAuthorization(Policies.Admin);
        admins.MapPost("/", ModelUpload.Register);
        admins.MapGet("/", List);
        admins.MapDelete("/{name}/{version}", Delete);
        app.MapGroup(Routes.Fleets).WithTags("Models").RequireAuthorization(Policies.Admin).MapPut("/{name}/models", FleetModelsApi.Change);
        ModelFileApi.Map(app);
        return app;
    }

    public static async Task<Ok<List<ModelVersionView>>> List(IDbContextFactory<HiPortalDb> dbFactory, ModelHost host,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ModelVersions.AsNoTracking().ToListAsync(cancellationToken);
        var uses = await UsesAsync(db, cancellationToken);
        return TypedResults.Ok(rows
            .OrderBy(r => r.Name, StringComparer.Ordinal).ThenByDescending(r => r.Version, VersionComparer.Instance)
            .Select(r => View(r, uses.GetValueOrDefault(r.Reference) ?? [], host.IsLoaded(r.Name, r.Version))).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string name, string version, string? reason,
        [AsParameters] ModelServices services, CancellationToken cancellationToken)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        // The in-use check and the removal in one write transaction, as a fleet's switch saves its pair in one
        // (FleetModelSwitch): a switch to this version and its deletion at once cannot both succeed, nor two deletions.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.ModelVersions.FirstOrDefaultAsync(m => m.Name == name && m.Version == version, cancellationToken);
        if (row is null)
        {
            return ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown model version.", $"no model {name}@{version}", "model");
        }

        var usedBy = (await UsesAsync(db, cancellationToken)).GetValueOrDefault(row.Reference) ?? [];
        var o = services.Options.Value;
        if (row.Reference == o.DefaultTiny || row.Reference == o.DefaultLarge)
        {
            usedBy.Add("default for new fleets");
        }

        if (usedBy.Count > 0)
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "The version is in use.",
                $"{row.Reference} is used by {string.Join(", ", usedBy)}; switch those fleets first", "model");
        }

        db.ModelVersions.Remove(row);
        AuditLog.Record(db, services.Time.GetUtcNow().UtcDateTime, services.User.Actor, "model.delete", "model", row.Reference,
            new { row.Name, row.Version, row.Sha256, row.Bytes }, null, reason);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // No fleet routes to it now (none uses it, and no switch to it can commit): unload it and remove its files.
        await services.Host.UnloadAsync(name, version);
        services.Repository.Remove(name, version);
        return TypedResults.NoContent();
    }

    /// <summary>name@version → where it serves (<c>fleet:tiny</c>, <c>fleet:large</c>).</summary>
    public static async Task<Dictionary<string, List<string>>> UsesAsync(HiPortalDb db, CancellationToken cancellationToken)
    {
        var fleets = await db.Fleets.AsNoTracking().Select(f => new { f.Name, f.TinyModel, f.LargeModel }).ToListAsync(cancellationToken);
        var uses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var f in fleets.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            Add(f.TinyModel, $"{f.Name}:tiny");
            Add(f.LargeModel, $"{f.Name}:large");
        }

        return uses;

        void Add(string reference, string use)
        {
            if (!uses.TryGetValue(reference, out var list))
            {
                uses[reference] = list = [];
            }

            list.Add(use);
        }
    }

    public static ModelVersionView View(ModelVersion row, List<string> usedBy, bool loaded)
    {
        var card = ModelCard.Parse(System.Text.Encoding.UTF8.GetBytes(row.CardJson));
        return new ModelVersionView(row.Name, row.Version, row.Sha256, row.Bytes, card.Task, card.Input.Datatype, card.Input.Shape,
            card.ClassNames, card.Parameters, card.Accuracy, card.Simulated, new DateTimeOffset(DateTime.SpecifyKind(row.RegisteredAt, DateTimeKind.Utc)),
            row.RegisteredBy, usedBy, loaded);
    }
}
