using System.Text.Json;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.Telemetry;

/// <summary>Reads and checks a telemetry post. A post is stored whole or not at all, so one bad report rejects it.</summary>
/// <remarks>
/// Beyond types, a report must be plausible, so no device can break or skew the statistics: dates near now, a
/// period of at most <see cref="MaxPeriod"/>, counts no larger than the period allows, and round-trip times
/// consistent with their count. The limits are generous for any real device and far below overflow.
/// </remarks>
public static class TelemetryValidation
{
    public const int MaxReportsPerPost = 100;
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(730);
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(7);
    public const double MaxSamplesPerSecond = 100_000;
    public const double MaxWatts = 1_000;
    public const double MaxBytesPerSecond = 1e9;
    public const double MaxRttSeconds = 600;

    public static FieldError? Parse(ReadOnlySpan<byte> body, DateTimeOffset now, out IReadOnlyList<TelemetryPeriod>? reports)
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
            if ((Validate(list[i], $"reports[{i}]") ?? Plausible(list[i]!, $"reports[{i}]", now)) is { } error)
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

    private static FieldError? Plausible(TelemetryPeriod report, string at, DateTimeOffset now)
    {
        var (start, end) = (report.PeriodStart!.Value, report.PeriodEnd!.Value);
        if (start < now - MaxAge || start > now + MaxAhead)
        {
            return new FieldError($"{at}.periodStart", $"must be within {MaxAge.TotalDays:0} days before and {MaxAhead.TotalDays:0} day after the server's clock");
        }

        if (end - start > MaxPeriod || end > now + MaxAhead)
        {
            return new FieldError($"{at}.periodEnd", $"a period is at most {MaxPeriod.TotalDays:0} days and ends before the server's clock + {MaxAhead.TotalDays:0} day");
        }

        // A zero-length period is a snapshot: it is allowed a second's worth.
        var seconds = Math.Max(1, (end - start).TotalSeconds);
        return Bounded(report.Samples, seconds * MaxSamplesPerSecond, $"{at}.samples", $"at most {MaxSamplesPerSecond} per second of the period")
            ?? Bounded(report.Dropped, seconds * MaxSamplesPerSecond, $"{at}.dropped", $"at most {MaxSamplesPerSecond} per second of the period")
            // Not "at most offloaded": a buffered offload is answered (and its round trip counted) in a later period
            // than the one that counted it offloaded, so only the period bounds the count.
            ?? Bounded(report.OffloadRttCount, seconds * MaxSamplesPerSecond, $"{at}.offloadRttCount", $"at most {MaxSamplesPerSecond} per second of the period")
            ?? Bounded(report.OffloadRttMicrosSum, (report.OffloadRttCount ?? report.Offloaded!.Value) * MaxRttSeconds * 1e6,
                $"{at}.offloadRttMicrosSum", $"at most {MaxRttSeconds} s per measured round trip")
            ?? Bounded(report.LocalInferenceMicros, seconds * 1e6 * 64, $"{at}.localInferenceMicros", "at most 64 cores busy for the whole period")
            ?? Bounded(report.BytesSent, seconds * MaxBytesPerSecond, $"{at}.bytesSent", $"at most {MaxBytesPerSecond} bytes per second of the period")
            ?? (report.EnergyJoules > seconds * MaxWatts
                ? new FieldError($"{at}.energyJoules", $"at most {MaxWatts} W over the period")
                : null);
    }

    private static FieldError? Bounded(long? value, double max, string field, string rule) =>
        value > max ? new FieldError(field, rule) : null;

    private static FieldError? Required(long? value, string field) =>
        value is null ? new FieldError(field, "is required and must be an integer ≥ 0") : Optional(value, field);

    private static FieldError? Optional(long? value, string field) =>
        value < 0 ? new FieldError(field, "must be an integer ≥ 0") : null;

    private static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');
}
