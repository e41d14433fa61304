using HiPortal.Server.Identity;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Alarms;

/// <summary><c>GET /api/v1/admin/alarms</c> (readers) and <c>POST /api/v1/admin/alarms/{id}/acknowledge</c> (admins, audited).</summary>
public static class AlarmsApi
{
    public static IEndpointRouteBuilder MapAlarmsApi(this IEndpointRouteBuilder app)
    {
        var alarms = app.MapGroup(Routes.Alarms).WithTags("Alarms");
        alarms.MapGroup("").RequireAuthorization(Policies.Reader).MapGet("/", List);
        alarms.MapGroup("").RequireAuthorization(Policies.Admin).MapPost("/{id:long}/acknowledge", Acknowledge);
        return app;
    }

    /// <summary>Open alarms first, then newest first; <c>open=true|false</c>, <c>kind</c> and <c>scope</c> filter.</summary>
    public static async Task<Results<Ok<AlarmPage>, ProblemHttpResult>> List(AlarmQueries queries, bool? open, string? kind, string? scope,
        int? skip, int? take, CancellationToken cancellationToken)
    {
        if (take is < 1 or > 1000)
        {
            return ProblemResults.Validation("take", "must be between 1 and 1000");
        }

        if (skip is < 0)
        {
            return ProblemResults.Validation("skip", "must not be negative");
        }

        if (kind is not null && !AlarmKinds.All.Contains(kind))
        {
            return ProblemResults.Validation("kind", $"must be one of {string.Join(", ", AlarmKinds.All)}");
        }

        return TypedResults.Ok(await queries.SearchAsync(open, kind, scope, skip ?? 0, take ?? 100, cancellationToken));
    }

    /// <summary>Records that a person has seen the alarm; it stays open until its condition clears.</summary>
    public static async Task<Results<Ok<Alarm>, ProblemHttpResult>> Acknowledge(long id, AlarmService alarms, CurrentUser user,
        CancellationToken cancellationToken) =>
        await alarms.AcknowledgeAsync(id, user.Actor, cancellationToken) is { } alarm
            ? TypedResults.Ok(alarm)
            : ProblemResults.Status(StatusCodes.Status404NotFound, "No such alarm.", $"there is no alarm {id}", "id");
}
