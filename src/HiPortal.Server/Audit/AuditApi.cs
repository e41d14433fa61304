using HiPortal.Server.Identity;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Audit;

public static class AuditApi
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditQueries>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Routes.Audit).RequireAuthorization(Policies.Reader).WithTags("Audit").MapGet("/", Query);
        return app;
    }

    /// <summary>Newest first, filtered by scope, target, actor, action and time.</summary>
    public static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> Query(AuditQueries queries,
        string? scope, string? target, string? actor, string? action, DateTimeOffset? from, DateTimeOffset? to, int? skip, int? take,
        CancellationToken cancellationToken)
    {
        if (take is < 1 or > 1000)
        {
            return ProblemResults.Validation("take", "must be between 1 and 1000");
        }

        return TypedResults.Ok(await queries.SearchAsync(new AuditQuery(scope, target, actor, action, from, to, skip ?? 0, take ?? 100),
            cancellationToken));
    }
}
