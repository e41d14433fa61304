using HiPortal.Server.Identity;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Rollouts;

/// <summary>What a rollout action needs, bound from DI as one handler parameter.</summary>
public sealed record RolloutActionServices(RolloutEngine Engine, RolloutQueries Queries, CurrentUser User);

/// <summary>Staged rollouts: create (or dry-run), list, read, and the admin's pause / resume / promote / abort.</summary>
public static class RolloutsApi
{
    public static IHostApplicationBuilder AddRollouts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RolloutOptions>().BindConfiguration(RolloutOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RolloutEvents>();
        builder.Services.AddSingleton<RolloutEngine>();
        builder.Services.AddSingleton<RolloutPlanner>();
        builder.Services.AddSingleton<RolloutQueries>();
        builder.Services.AddSingleton<RolloutService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutService>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRolloutsApi(this IEndpointRouteBuilder app)
    {
        var rollouts = app.MapGroup(Routes.Rollouts).WithTags("Rollouts");
        var readers = rollouts.MapGroup("").RequireAuthorization(Policies.Reader);
        readers.MapGet("/", List);
        readers.MapGet("/{id:long}", Get);
        var admins = rollouts.MapGroup("").RequireAuthorization(Policies.Admin);
        admins.MapPost("/", Create).ProducesProblem(StatusCodes.Status409Conflict);
        admins.MapPost("/{id:long}/{action}", Act).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Created<RolloutDetail>, Ok<RolloutPlan>, ProblemHttpResult>> Create(CreateRolloutRequest? request,
        RolloutPlanner planner, [AsParameters] RolloutActionServices services, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Validation("body", "a rollout (fleet or tags, and threshold, rule, coefficients or tinyModel) is required");
        }

        var planned = await planner.PlanAsync(request, services.User.Actor, cancellationToken);
        if (planned.Error is { } error)
        {
            return ProblemResults.Validation(error.Field, error.Message);
        }

        if (planned.Conflict is { } conflict)
        {
            return Busy(conflict);
        }

        if (request.DryRun)
        {
            return TypedResults.Ok(planned.Plan!);
        }

        var (rollout, raced) = await services.Engine.StartAsync(planned.Rollout!, cancellationToken);
        if (rollout is null)
        {
            return Busy(raced!);
        }

        return TypedResults.Created(Routes.Rollout(rollout.Id), (await services.Queries.GetAsync(rollout.Id, cancellationToken))!);
    }

    private static ProblemHttpResult Busy(string conflict) =>
        ProblemResults.Status(StatusCodes.Status409Conflict, "A rollout is already active.", conflict, "fleet");

    public static async Task<Results<Ok<List<RolloutView>>, ProblemHttpResult>> List(RolloutQueries queries, string? fleet, string? state,
        CancellationToken cancellationToken)
    {
        string[] states = [RolloutStates.Running, RolloutStates.Paused, RolloutStates.RolledBack, RolloutStates.Aborted, RolloutStates.Completed];
        if (state is not null && !states.Contains(state))
        {
            return ProblemResults.Validation("state", string.Join(", ", states));
        }

        return TypedResults.Ok(await queries.ListAsync(fleet, state, cancellationToken));
    }

    public static async Task<Results<Ok<RolloutDetail>, ProblemHttpResult>> Get(long id, RolloutQueries queries, CancellationToken cancellationToken) =>
        await queries.GetAsync(id, cancellationToken) is { } detail ? TypedResults.Ok(detail) : NotFound(id);

    /// <summary>POST /rollouts/{id}/pause | resume | promote | abort.</summary>
    public static async Task<Results<Ok<RolloutDetail>, ProblemHttpResult>> Act(long id, string action, RolloutActionRequest? request,
        [AsParameters] RolloutActionServices services, CancellationToken cancellationToken)
    {
        var (engine, queries, user) = services;
        if (request?.Reason is { Length: > 500 })
        {
            return ProblemResults.Validation("reason", "at most 500 characters");
        }

        var reason = request?.Reason;
        var result = action switch
        {
            "pause" => await engine.PauseAsync(id, user.Actor, reason, cancellationToken),
            "resume" => await engine.ResumeAsync(id, user.Actor, reason, cancellationToken),
            "promote" => await engine.PromoteAsync(id, user.Actor, reason, cancellationToken),
            "abort" => await engine.AbortAsync(id, user.Actor, reason, cancellationToken),
            _ => null,
        };
        return result switch
        {
            null => ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown action.", "actions are pause, resume, promote and abort", "action"),
            { NotFound: true } => NotFound(id),
            { Conflict: { } why } => ProblemResults.Status(StatusCodes.Status409Conflict, "Not in this state.", why, "action"),
            _ => TypedResults.Ok((await queries.GetAsync(id, cancellationToken))!),
        };
    }

    private static ProblemHttpResult NotFound(long id) =>
        ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown rollout.", $"no rollout {id}", "id");
}
