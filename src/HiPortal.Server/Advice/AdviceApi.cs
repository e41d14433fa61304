using HiPortal.Server.Identity;
using HiPortal.Server.Problems;
using HiPortal.Server.RemoteConfig;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Advice;

public sealed record ApplyAdviceRequest(string? Fleet, string? DeviceId, string? Source, double? Beta, double? TargetGapPoints, string? Reason);

public static class AdviceApi
{
    /// <summary>Threshold advice on demand and the auto-threshold service that applies it for opted-in fleets.</summary>
    public static IHostApplicationBuilder AddAdvice(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AutoThresholdOptions>().BindConfiguration(AutoThresholdOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FleetLearners>();
        builder.Services.AddSingleton<ThresholdAdvisor>();
        builder.Services.AddSingleton<AutoThresholdService>();
        builder.Services.AddHostedService(s => s.GetRequiredService<AutoThresholdService>());
        return builder;
    }

    public static IEndpointRouteBuilder MapAdviceApi(this IEndpointRouteBuilder app)
    {
        var advice = app.MapGroup(Routes.Advice).WithTags("Advice");
        advice.MapGroup("").RequireAuthorization(Policies.Reader).MapGet("/", Get);
        advice.MapGroup("").RequireAuthorization(Policies.Admin).MapPost("/apply", Apply);
        return app;
    }

    public static async Task<Results<Ok<ThresholdAdvice>, ProblemHttpResult>> Get(string? fleet, string? deviceId, double? beta,
        double? targetGapPoints, ThresholdAdvisor advisor, CancellationToken cancellationToken)
    {
        if (Check(fleet, deviceId, beta, targetGapPoints) is { } problem)
        {
            return problem;
        }

        var advice = await advisor.AdviseAsync(fleet, deviceId, beta ?? 0.3, targetGapPoints ?? 1.0, cancellationToken);
        return advice is null ? NotFound(fleet, deviceId) : TypedResults.Ok(advice);
    }

    /// <summary>Applies one recommendation as a normal, audited configuration change.</summary>
    public static async Task<Results<Ok<ConfigChangeResult>, ProblemHttpResult>> Apply(ApplyAdviceRequest? request, ThresholdAdvisor advisor,
        ConfigService configs, CurrentUser user, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Validation("body", "a JSON object is required");
        }

        if (Check(request.Fleet, request.DeviceId, request.Beta, request.TargetGapPoints) is { } problem)
        {
            return problem;
        }

        var advice = await advisor.AdviseAsync(request.Fleet, request.DeviceId, request.Beta ?? 0.3, request.TargetGapPoints ?? 1.0, cancellationToken);
        if (advice is null)
        {
            return NotFound(request.Fleet, request.DeviceId);
        }

        double? threshold = (request.Source ?? "online") switch
        {
            "online" => advice.Online?.Threshold,
            "min-cost" => advice.Curve?.MinCostThreshold,
            "target" => advice.Curve?.TargetThreshold,
            _ => double.NaN,
        };
        if (threshold is double.NaN)
        {
            return ProblemResults.Validation("source", "one of online, min-cost, target");
        }

        if (threshold is null)
        {
            return ProblemResults.Status(StatusCodes.Status409Conflict, "No recommendation yet.",
                "not enough offloads (or labelled offloads) to recommend a threshold", "source");
        }

        var reason = request.Reason ?? $"advice ({request.Source ?? "online"}) over {advice.Offloads} offloads";
        var change = new ConfigChange(Math.Round(threshold.Value, 4), null, null, null, reason);
        var result = request.DeviceId is not null
            ? await configs.ChangeDeviceAsync(request.DeviceId, change, clear: false, user, "advice.apply", cancellationToken)
            : await configs.ChangeFleetAsync(request.Fleet!, change, user, "advice.apply", cancellationToken);
        return result switch
        {
            { Forbidden: true } => ConfigChangeResult.ForbiddenProblem(),
            { Error: { } e } => ProblemResults.Validation(e.Field, e.Message),
            _ => TypedResults.Ok(result),
        };
    }

    private static ProblemHttpResult? Check(string? fleet, string? deviceId, double? beta, double? gap) =>
        (fleet is null) == (deviceId is null) ? ProblemResults.Validation("fleet", "give exactly one of fleet or deviceId")
        : beta is { } b && (!double.IsFinite(b) || b < 0 || b > 1) ? ProblemResults.Validation("beta", "must be in [0, 1]")
        : gap is { } g && (!double.IsFinite(g) || g < 0 || g > 100) ? ProblemResults.Validation("targetGapPoints", "must be in [0, 100]")
        : null;

    private static ProblemHttpResult NotFound(string? fleet, string? deviceId) => deviceId is not null
        ? ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown device.", $"no device '{deviceId}'", "deviceId")
        : ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown fleet.", $"no fleet '{fleet}'", "fleet");
}
