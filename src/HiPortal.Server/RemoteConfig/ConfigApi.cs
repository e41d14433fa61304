using System.Globalization;
using HiPortal.Server.Devices;
using HiPortal.Server.Presence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace HiPortal.Server.RemoteConfig;

/// <summary>What a (long-polling) config read needs, bound from DI as one handler parameter.</summary>
public sealed record ConfigPollServices(ConfigService Configs, ConfigNotifier Notifier, DevicePresence Presence, TimeProvider Time,
    IHostApplicationLifetime Lifetime);

/// <summary>
/// The device side of the twin: read the effective configuration (ETag = version, 304 when unchanged, optional
/// long-poll), and report what was applied.
/// </summary>
public static class ConfigApi
{
    public const int MaxWaitSeconds = 60;

    public static IEndpointRouteBuilder MapConfigApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapDeviceGroup(Routes.Config).WithTags("Configuration");
        group.MapGet("/", GetConfig).Produces<EffectiveConfigResponse>().Produces(StatusCodes.Status304NotModified);
        group.MapPost("/ack", Acknowledge);
        return app;
    }

    public static async Task<IResult> GetConfig(HttpContext context, int? waitSeconds, [AsParameters] ConfigPollServices services)
    {
        var (configs, notifier, presence, time, lifetime) = services;
        var device = DeviceIdentity.From(context.User)!;
        presence.Seen(device);
        if (waitSeconds is < 0 or > MaxWaitSeconds)
        {
            return ProblemResults.Validation("waitSeconds", $"must be between 0 and {MaxWaitSeconds}");
        }

        var known = KnownVersion(context.Request.Headers.IfNoneMatch);
        // Subscribe before reading, so a change between the read and the wait is not missed.
        var changed = notifier.NextChange(device.DeviceId);
        // A device that holds the version this instance knows to be current (the notifier follows every change, here
        // and on the other instances) is the usual long-poll: it waits without a query, and one that times out with
        // nothing changed is a 304 that never read the database. A fleet's worth of these, each a context and two
        // queries, were a fifth of a load run's allocations.
        EffectiveConfigResponse? config = null;
        if (waitSeconds is not > 0 || known is null || !notifier.TryGetVersion(device.DeviceId, out var current) || current != known)
        {
            config = await configs.GetEffectiveAsync(device.DeviceId, context.RequestAborted);
            if (config is null)
            {
                return ProblemResults.Status(StatusCodes.Status404NotFound, "Unknown device.", "this device no longer exists");
            }
        }

        // Wait only while the device holds the current version: one with no version yet, or an older one, needs
        // the configuration now.
        if (waitSeconds is > 0 && known == (config?.Version ?? known))
        {
            // A stopping server answers its long-polls at once instead of holding shutdown for the whole wait.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            // Without throwing: most polls end by timing out, and a fleet's worth of TimeoutExceptions at once is CPU
            // taken from the offloads.
            await changed.WaitAsync(TimeSpan.FromSeconds(waitSeconds.Value), time, stopping.Token)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            context.RequestAborted.ThrowIfCancellationRequested();
            if (changed.IsCompletedSuccessfully)
            {
                config = await configs.GetEffectiveAsync(device.DeviceId, context.RequestAborted) ?? config;
            }

            // Otherwise nothing changed within the wait (or the server is stopping): answer with what the device has (304).
        }

        var version = config?.Version ?? known!.Value;
        context.Response.Headers.ETag = ETag(version);
        context.Response.Headers.CacheControl = "no-cache";
        if (known == version)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(config);
    }

    public static async Task<Results<Ok<AckResponse>, ProblemHttpResult>> Acknowledge(HttpContext context, ConfigAck? ack,
        ConfigService configs, DevicePresence presence)
    {
        var device = DeviceIdentity.From(context.User)!;
        presence.Seen(device);
        if (ack?.Version is not { } version)
        {
            return ProblemResults.Validation("version", "version is required");
        }

        if (ack.Status is not ("applied" or "rejected"))
        {
            return ProblemResults.Validation("status", "must be 'applied' or 'rejected'");
        }

        if (ack.Message is { Length: > 500 })
        {
            return ProblemResults.Validation("message", "at most 500 characters");
        }

        if (await configs.AcknowledgeAsync(device.DeviceId, version, ack.Status, ack.Message, context.RequestAborted) is { } error)
        {
            return ProblemResults.Validation(error.Field, error.Message);
        }

        return TypedResults.Ok(new AckResponse(version, ack.Status, await configs.GetVersionAsync(device.DeviceId, context.RequestAborted)));
    }

    public static string ETag(long version) => $"\"v{version.ToString(CultureInfo.InvariantCulture)}\"";

    private static long? KnownVersion(Microsoft.Extensions.Primitives.StringValues ifNoneMatch)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return null;
        }

        foreach (var tag in tags)
        {
            var text = tag.Tag.Value?.Trim('"') ?? "";
            if (text.StartsWith('v') && long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }
        }

        return null;
    }
}
