using System.Globalization;
using HiPortal.Server.Ingest;

namespace HiPortal.Server.Stats;

/// <summary>
/// The time range [From, To) of a statistic and its bucket size. Buckets are aligned to multiples of the bucket size
/// since the Unix epoch (minute buckets start on the minute), so a sliding window keeps stable buckets; the first and
/// last may be partly outside the range, and only rows inside it are counted.
/// </summary>
public sealed class StatsWindow
{
    public const int MinBucketSeconds = 10;
    public const int MaxBucketSeconds = 86_400;
    public const int DefaultBucketSeconds = 60;
    public const int MaxBuckets = 1000;
    public static readonly TimeSpan DefaultLength = TimeSpan.FromHours(1);

    private StatsWindow(DateTimeOffset from, DateTimeOffset to, int bucketSeconds) =>
        (From, To, BucketSeconds) = (from, to, bucketSeconds);

    public DateTimeOffset From { get; }

    public DateTimeOffset To { get; }

    public int BucketSeconds { get; }

    public long FromMs => From.ToUnixTimeMilliseconds();

    public long ToMs => To.ToUnixTimeMilliseconds();

    public long BucketMs => BucketSeconds * 1000L;

    public long FirstBucketMs => FromMs / BucketMs * BucketMs;

    public long BucketCount => ((ToMs - 1) / BucketMs) - (FromMs / BucketMs) + 1;

    public static FieldError? TryCreate(DateTimeOffset from, DateTimeOffset to, int bucketSeconds, out StatsWindow? window)
    {
        window = null;
        // Whole milliseconds, as stored; the epoch floor keeps bucket arithmetic (integer division) a floor.
        from = DateTimeOffset.FromUnixTimeMilliseconds(from.ToUnixTimeMilliseconds());
        to = DateTimeOffset.FromUnixTimeMilliseconds(to.ToUnixTimeMilliseconds());
        if (from < DateTimeOffset.UnixEpoch)
        {
            return new FieldError("from", "must not be before 1970-01-01T00:00:00Z");
        }

        if (to <= from)
        {
            return new FieldError("to", "must be after from");
        }

        if (bucketSeconds is < MinBucketSeconds or > MaxBucketSeconds)
        {
            return new FieldError("bucketSeconds", $"must be {MinBucketSeconds} to {MaxBucketSeconds}");
        }

        var candidate = new StatsWindow(from, to, bucketSeconds);
        if (candidate.BucketCount > MaxBuckets)
        {
            return new FieldError("bucketSeconds",
                $"from..to makes {candidate.BucketCount} buckets of {bucketSeconds} s; at most {MaxBuckets}: use larger buckets or a shorter range");
        }

        window = candidate;
        return null;
    }

    /// <summary>Reads query-string values; defaults are the last hour up to <paramref name="now"/> in minute buckets.</summary>
    public static FieldError? Parse(string? from, string? to, string? bucketSeconds, DateTimeOffset now, out StatsWindow? window)
    {
        window = null;
        if (!TryParseTime(to, "to", out var toTime, out var error) || !TryParseTime(from, "from", out var fromTime, out error))
        {
            return error;
        }

        var bucket = DefaultBucketSeconds;
        if (!string.IsNullOrEmpty(bucketSeconds) &&
            !int.TryParse(bucketSeconds, NumberStyles.Integer, CultureInfo.InvariantCulture, out bucket))
        {
            return new FieldError("bucketSeconds", "must be an integer number of seconds");
        }

        var end = toTime ?? now;
        if (end < DateTimeOffset.UnixEpoch)
        {
            return new FieldError("to", "must not be before 1970-01-01T00:00:00Z");
        }

        return TryCreate(fromTime ?? end - DefaultLength, end, bucket, out window);
    }

    private static bool TryParseTime(string? text, string field, out DateTimeOffset? value, out FieldError? error)
    {
        value = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = new FieldError(field, "must be an ISO 8601 timestamp, e.g. 2026-11-26T12:00:00Z");
        return false;
    }
}
