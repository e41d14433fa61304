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
    /// After authentication: every request gets <see cref="RateLimitOptions.MaxJsonBodyBytes"/> (authenticated) or
    /// <see cref="RateLimitOptions.MaxAnonymousBodyBytes"/> (anonymous) as its body limit, in place of Kestrel's 30 MB.
    /// A route with a larger limit of its own raises it before it reads (<see cref="Ingest.RequestBody"/>, the model
    /// upload); gRPC keeps Kestrel's, and its own message size bounds it.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitOptions>>().Value;
        return app.Use((context, next) =>
        {
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit
                && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
            {
                limit.MaxRequestBodySize = context.User.Identity?.IsAuthenticated == true ? options.MaxJsonBodyBytes : options.MaxAnonymousBodyBytes;
            }

            return next(context);
        });
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
    public static ValueTask<ProblemHttpResult?> ChargeAsync(HttpContext context, double cost) => ChargeCountingAsync(context, cost, null);

    /// <summary>
    /// Charges a request of <paramref name="samples"/> samples, of which the middleware charged one already. A request
    /// of more samples than the caller's burst could never pass, however long it waited: that is a 413 naming
    /// <paramref name="field"/>, not a 429 whose Retry-After would be a promise the bucket cannot keep.
    /// </summary>
    public static async ValueTask<ProblemHttpResult?> ChargeSamplesAsync(HttpContext context, int samples, string field)
    {
        var limiter = context.RequestServices.GetRequiredService<CallerRateLimiter>();
        if (await limiter.BurstAsync(context.User, context.RequestAborted) is { } burst && samples > burst)
        {
            return Problems.ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "Too many samples in one request.",
                $"{samples} samples in one request, and this caller's burst is {burst:0}: send at most {burst:0} per request, " +
                "or raise the fleet's rateLimitBurst", field);
        }

        return await ChargeCountingAsync(context, samples - 1, samples);
    }

    private static async ValueTask<ProblemHttpResult?> ChargeCountingAsync(HttpContext context, double cost, int? samples)
    {
        var limiter = context.RequestServices.GetRequiredService<CallerRateLimiter>();
        return await limiter.TryAcquireAsync(context.User, cost, context.RequestAborted) is { } wait
            ? TooManyRequests.Result(context.Response, wait, "Too many requests from this caller.",
                "this caller is limited to a share of the server's rate, counted in samples" +
                (samples is { } n ? $" (this request: {n} samples)" : ""))
            : null;
    }
}
