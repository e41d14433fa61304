using HiPortal.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Models;

/// <summary><c>PUT /api/v1/admin/fleets/{name}/models</c>: the HTTP answer to <see cref="FleetModelSwitch"/> (the rules live there).</summary>
public static class FleetModelsApi
{
    public static async Task<Results<Ok<FleetModels>, ProblemHttpResult>> Change(string name, FleetModelsRequest? request,
        FleetModelSwitch models, CurrentUser user, CancellationToken cancellationToken)
    {
        var outcome = await models.ChangeAsync(name, request, user, cancellationToken);
        return outcome.Value is { } pair ? TypedResults.Ok(pair) : outcome.Refusal!.ToProblem();
    }
}
