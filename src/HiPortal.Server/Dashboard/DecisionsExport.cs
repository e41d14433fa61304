using System.Globalization;
using HiPortal.Server.Ingest;
using HiPortal.Server.Models;
using HiPortal.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Dashboard;

/// <summary>
/// Decisions as CSV, streamed row by row, never buffered whole: the dashboard's <c>GET /export/decisions.csv</c> and
/// the API's <c>GET /api/v1/decisions?format=csv</c> write the same columns.
/// </summary>
public static class DecisionsExport
{
    private const string Header =
        "id,receivedAt,deviceId,fleet,sampleId,localClass,localClassName,localConfidence,serverClass,serverClassName,serverConfidence,agrees,label,labelName,batchSize,queueMicros,inferenceMicros,model";

    /// <summary><c>GET /export/decisions.csv?fleet=&amp;deviceId=&amp;agrees=&amp;from=&amp;to=</c>.</summary>
    public static async Task WriteAsync(HttpContext context, IDbContextFactory<HiPortalDb> dbFactory, ClassNames classNames,
        DeviceHistory history, string? fleet, string? deviceId, bool? agrees, DateTimeOffset? from, DateTimeOffset? to)
    {
        await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
        var decisions = await DashboardData.FilteredAsync(db, history, new DecisionFilter(fleet, deviceId, agrees, from, to), context.RequestAborted);
        await WriteCsvAsync(context.Response, decisions.OrderBy(d => d.Id), classNames, context.RequestAborted);
    }

    /// <summary>Writes <paramref name="decisions"/> in their order, with the class names of the model that answered each.</summary>
    public static async Task WriteCsvAsync(HttpResponse response, IQueryable<Decision> decisions, ClassNames classNames,
        CancellationToken cancellationToken)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"decisions.csv\"";
        await using var writer = new StreamWriter(response.Body);
        await writer.WriteLineAsync(Header);
        await foreach (var d in decisions.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            // Names from the card of the model that answered: the index stays for joins, the name is for people.
            var names = classNames.Of(d.ModelName, d.ModelVersion);
            await writer.WriteLineAsync(string.Join(',',
                d.Id.ToString(CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(d.ReceivedAtMs).ToString("O", CultureInfo.InvariantCulture),
                d.DeviceId, d.Fleet, Quote(d.SampleId),
                d.LocalClass.ToString(CultureInfo.InvariantCulture), Quote(ClassNames.Name(names, d.LocalClass)),
                d.LocalConfidence.ToString("R", CultureInfo.InvariantCulture),
                d.ServerClass.ToString(CultureInfo.InvariantCulture), Quote(ClassNames.Name(names, d.ServerClass)),
                d.ServerConfidence.ToString("R", CultureInfo.InvariantCulture),
                d.Agrees ? "true" : "false", d.Label?.ToString(CultureInfo.InvariantCulture) ?? "",
                d.Label is { } label ? Quote(ClassNames.Name(names, label)) : "",
                d.BatchSize.ToString(CultureInfo.InvariantCulture), d.QueueMicros.ToString(CultureInfo.InvariantCulture),
                d.InferenceMicros.ToString(CultureInfo.InvariantCulture), Quote($"{d.ModelName}@{d.ModelVersion}")));
        }
    }

    // Sample ids are printable ASCII chosen by devices, class names come from uploaded cards: quote them, and defuse spreadsheet formulas.
    private static string Quote(string value) =>
        "\"" + (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
