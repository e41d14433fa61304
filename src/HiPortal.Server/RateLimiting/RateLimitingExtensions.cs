using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.RateLimiting;

public static class RateLimitingExtensions
{
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CallerRateLimiter>();
        builder.Services.AddSingleton<BodyBudget>();
        return builder;
    }

    /// <summary>
    /// After authentication, before anything else runs: every authenticated request costs its caller one token,
    /// on every route (API, OIP, hub, dashboard). Handlers whose work grows with the request charge the rest
    /// through <see cref="ChargeAsync"/>.
    /// </summary>
    public static IApplicationBuilder UseCallerRateLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (await ChargeAsync(context, 1) is { } refused)
        {
            await refused.ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>Charges the caller <paramref name="cost"/> more; a 429 problem when that is over its share.</summary>
    public static async ValueTask<ProblemHttpResult?> ChargeAsync(HttpContext context, double cost)
    {
        var limiter = context.RequestServices.GetRequiredService<CallerRateLimiter>();
        return await limiter.TryAcquireAsync(context.User, cost, context.RequestAborted) is { } wait
            ? TooManyRequests.Result(context.Response, wait, "Too many requests from this caller.",
                $"this caller is limited to a share of the server's rate, counted in samples (this request: {cost:0})")
            : null;
    }
}
