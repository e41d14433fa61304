using HiPortal.Server.Identity;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Fleets;

public static class FleetsApi
{
    public static IHostApplicationBuilder AddFleets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FleetQueries>();
        builder.Services.AddSingleton<FleetSettingsCache>();
        builder.Services.AddSingleton<FleetAdmin>();
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

    public static async Task<Results<Created<FleetView>, ProblemHttpResult>> CreateFleet(CreateFleetRequest? request, FleetAdmin admin,
        CurrentUser user, CancellationToken cancellationToken)
    {
        var outcome = await admin.CreateAsync(request, user, cancellationToken);
        return outcome.Value is { } fleet ? TypedResults.Created(Routes.Fleet(fleet.Name), fleet) : outcome.Refusal!.ToProblem();
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
        FleetAdmin admin, CurrentUser user, CancellationToken cancellationToken)
    {
        var outcome = await admin.ChangeSettingsAsync(name, request, user, cancellationToken);
        return outcome.Value is { } fleet ? TypedResults.Ok(fleet) : outcome.Refusal!.ToProblem();
    }

    private static ProblemHttpResult NotFound(string name) => FleetAdmin.UnknownFleet(name).ToProblem();
}
