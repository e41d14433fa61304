using HiPortal.Server.Identity;
using HiPortal.Server.Ingest;
using HiPortal.Server.Models;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace HiPortal.Server.Stats;

/// <summary>One stored decision as the API gives it: class indexes with the names the answering model's card gives them.</summary>
public sealed record DecisionItem(long Id, DateTimeOffset ReceivedAt, DateTimeOffset? CapturedAt, string DeviceId, string Fleet,
    string SampleId, int LocalClass, string LocalClassName, double LocalConfidence, long? LocalInferenceMicros, int ServerClass,
    string ServerClassName, double ServerConfidence, bool Agrees, int? Label, string? LabelName, bool Exploration, string Model,
    string ModelVersion, int BatchSize, long QueueMicros, long InferenceMicros, int InputBytes, IReadOnlyList<float>? Probabilities);

/// <summary>A page in id order; <see cref="Next"/> (also the <c>Link</c> header) asks for the one after it, null on the last.</summary>
public sealed record DecisionPage(IReadOnlyList<DecisionItem> Items, long? NextAfter, string? Next);

/// <summary>
/// <c>GET /api/v1/decisions</c>: the stored decisions themselves, for admins and operators with a token (the
/// dashboard's CSV export takes only its sign-in cookie). Pages run in id order from <c>after</c>, so a script tails
/// the table by passing back the last id it saw: new rows only ever get larger ids, and a page never shifts as rows
/// arrive or retention deletes old ones (what skip/take paging would do). Labelled offloads with the large model's
/// probabilities (<c>probabilities=true</c>) are what retraining or distilling a tiny model needs.
/// </summary>
public static class DecisionsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapDecisionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Routes.Decisions).WithTags("Stats").RequireAuthorization(Policies.Reader)
            .MapGet("/", List)
            .Produces<DecisionPage>()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// Filters: <c>fleet</c>, <c>deviceId</c>, <c>agrees</c>, <c>labelled</c>, <c>exploration</c>, <c>from</c> and
    /// <c>to</c> (ISO 8601, by when the server received it); <c>after</c> an id, <c>limit</c> 1 to 1000 (100).
    /// <c>format=csv</c> (or <c>Accept: text/csv</c>) streams every match after <c>after</c> as CSV, up to <c>limit</c> if given.
    /// </summary>
    public static async Task<IResult> List(HttpContext context, IDbContextFactory<HiPortalDb> dbFactory, ClassNames classNames, DeviceHistory history,
        string? fleet, string? deviceId, bool? agrees, bool? labelled, bool? exploration, DateTimeOffset? from, DateTimeOffset? to,
        long? after, int? limit, bool? probabilities, string? format, CancellationToken cancellationToken)
    {
        var csv = format is null
            ? context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase)
            : format.Equals("csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !format.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            return ProblemResults.Validation("format", "must be json or csv");
        }

        if (limit is < 1 || (!csv && limit > MaxLimit))
        {
            return ProblemResults.Validation("limit", csv ? "must be at least 1" : $"must be between 1 and {MaxLimit}");
        }

        if (after is < 0)
        {
            return ProblemResults.Validation("after", "must be a decision id (0 or more)");
        }

        if (from is { } f && to is { } t && t <= f)
        {
            return ProblemResults.Validation("to", "must be after from");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (fleet is { Length: > 0 } && !await db.Fleets.AnyAsync(x => x.Name == fleet, cancellationToken))
        {
            return ProblemResults.Status(StatusCodes.Status404NotFound, "Not found.", $"no fleet is named '{fleet}'", "fleet");
        }

        if (deviceId is { Length: > 0 } && !await db.Devices.AnyAsync(x => x.Id == deviceId, cancellationToken))
        {
            return ProblemResults.Status(StatusCodes.Status404NotFound, "Not found.", $"no device has the id '{deviceId}'", "deviceId");
        }

        var query = await Dashboard.DashboardData.FilteredAsync(db, history, new Dashboard.DecisionFilter(fleet, deviceId, agrees, from, to),
            cancellationToken);
        query = labelled switch
        {
            true => query.Where(d => d.Label != null),
            false => query.Where(d => d.Label == null),
            null => query,
        };
        query = exploration is { } e ? query.Where(d => d.Exploration == e) : query;
        query = after is { } a ? query.Where(d => d.Id > a) : query;
        query = query.OrderBy(d => d.Id);
        if (csv)
        {
            await Dashboard.DecisionsExport.WriteCsvAsync(context.Response, limit is { } n ? query.Take(n) : query, classNames, cancellationToken);
            return Results.Empty;
        }

        var take = limit ?? DefaultLimit;
        // One more than the page: whether a next page exists, without a count over the whole filter.
        var rows = await query.Take(take + 1).ToListAsync(cancellationToken);
        var more = rows.Count > take;
        var items = rows.Take(take).Select(d => Item(d, classNames, probabilities == true)).ToList();
        long? nextAfter = more ? items[^1].Id : null;
        string? next = null;
        if (nextAfter is { } last)
        {
            next = NextLink(context.Request, last);
            context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }

        return TypedResults.Ok(new DecisionPage(items, nextAfter, next));
    }

    private static DecisionItem Item(Decision d, ClassNames classNames, bool probabilities)
    {
        var names = classNames.Of(d.ModelName, d.ModelVersion);
        return new DecisionItem(d.Id, DateTimeOffset.FromUnixTimeMilliseconds(d.ReceivedAtMs),
            d.CapturedAtMs is { } captured ? DateTimeOffset.FromUnixTimeMilliseconds(captured) : null, d.DeviceId, d.Fleet, d.SampleId,
            d.LocalClass, ClassNames.Name(names, d.LocalClass), d.LocalConfidence, d.LocalInferenceMicros, d.ServerClass,
            ClassNames.Name(names, d.ServerClass), d.ServerConfidence, d.Agrees, d.Label,
            d.Label is { } label ? ClassNames.Name(names, label) : null, d.Exploration, d.ModelName, d.ModelVersion, d.BatchSize,
            d.QueueMicros, d.InferenceMicros, d.InputBytes, probabilities ? PendingDecision.ProbabilitiesFrom(d.Probabilities) : null);
    }

    /// <summary>The same request with <c>after</c> moved to <paramref name="last"/>: path and query, relative to the server.</summary>
    private static string NextLink(HttpRequest request, long last)
    {
        var query = request.Query.Where(q => !q.Key.Equals("after", StringComparison.OrdinalIgnoreCase))
            .Select(q => KeyValuePair.Create(q.Key, q.Value))
            .Append(KeyValuePair.Create("after", new StringValues(last.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return request.PathBase + request.Path + QueryString.Create(query);
    }
}
