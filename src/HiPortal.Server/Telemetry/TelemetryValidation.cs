using System.Text.Json;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.Telemetry;

/// <summary>Reads and checks a telemetry post. A post is stored whole or not at all, so one bad report rejects it.</summary>
public static class TelemetryValidation
{
    public const int MaxReportsPerPost = 100;

    public static FieldError? Parse(ReadOnlySpan<byte> body, out IReadOnlyList<TelemetryPeriod>? reports)
    {
        reports = null;
        TelemetryBatch? batch;
        try
        {
            batch = JsonSerializer.Deserialize(body, ContractsJson.Default.TelemetryBatch);
        }
        catch (JsonException ex)
        {
            return new FieldError(FieldFromPath(ex.Path), $"malformed JSON: {ex.Message}");
        }

        if (batch?.Reports is not { } list)
        {
            return new FieldError("reports", "a JSON object with a reports array is required");
        }

        if (list.Count is 0 or > MaxReportsPerPost)
        {
            return new FieldError("reports", $"must hold 1 to {MaxReportsPerPost} reports");
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (Validate(list[i], $"reports[{i}]") is { } error)
            {
                return error;
            }
        }

        reports = list!;
        return null;
    }

    private static FieldError? Validate(TelemetryPeriod? report, string at)
    {
        if (report is null)
        {
            return new FieldError(at, "must be an object");
        }

        if (report.Sequence is not >= 1)
        {
            return new FieldError($"{at}.sequence", "is required and must be at least 1 (sequences start at 1)");
        }

        if (report.PeriodStart is null)
        {
            return new FieldError($"{at}.periodStart", "is required (ISO 8601)");
        }

        if (report.PeriodEnd is not { } end || end < report.PeriodStart)
        {
            return new FieldError($"{at}.periodEnd", "is required (ISO 8601) and must not be before periodStart");
        }

        var counterError = Required(report.Samples, $"{at}.samples") ?? Required(report.DecidedLocally, $"{at}.decidedLocally") ??
            Required(report.Offloaded, $"{at}.offloaded") ?? Optional(report.LocalInferenceMicros, $"{at}.localInferenceMicros") ??
            Optional(report.BytesSent, $"{at}.bytesSent") ?? Optional(report.OffloadRttMicrosSum, $"{at}.offloadRttMicrosSum") ??
            Optional(report.OffloadRttCount, $"{at}.offloadRttCount") ?? Optional(report.Dropped, $"{at}.dropped");
        if (counterError is not null)
        {
            return counterError;
        }

        // Written as a subtraction so two huge counters cannot overflow into a pass.
        if (report.DecidedLocally > report.Samples - report.Offloaded)
        {
            return new FieldError($"{at}.samples", "must be at least decidedLocally + offloaded");
        }

        if (report.EnergyJoules is { } joules && (!double.IsFinite(joules) || joules < 0))
        {
            return new FieldError($"{at}.energyJoules", "must be a finite number ≥ 0");
        }

        return null;
    }

    private static FieldError? Required(long? value, string field) =>
        value is null ? new FieldError(field, "is required and must be an integer ≥ 0") : Optional(value, field);

    private static FieldError? Optional(long? value, string field) =>
        value < 0 ? new FieldError(field, "must be an integer ≥ 0") : null;

    private static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');
}
