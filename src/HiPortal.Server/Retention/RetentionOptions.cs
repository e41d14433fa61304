using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Retention;

/// <summary>
/// How long stored decisions and telemetry reports are kept. Both tables grow with every offload and report, and a
/// row costs more to insert the larger its table's indexes grow; without a bound the disk fills.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>The shortest bound accepted: the live window, the alarms and the threshold advice read the last hours.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromDays(1);

    /// <summary>Decisions older than this (by when the server received them) are deleted; 0: kept for ever.</summary>
    public TimeSpan Decisions { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Telemetry reports whose period ended longer ago than this are deleted; 0: kept for ever.</summary>
    public TimeSpan Telemetry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often expired rows are looked for; the first pass runs at start-up.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Rows deleted per write transaction: each holds the write lock, so the decision writer waits for one of them
    /// at most (about 20 ms at 500 rows in SQLite here).
    /// </summary>
    [Range(1, 100_000)]
    public int RowsPerTransaction { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(Decisions), Decisions), (nameof(Telemetry), Telemetry) })
        {
            if (value != TimeSpan.Zero && value < Minimum)
            {
                yield return new ValidationResult(
                    $"{Section}:{name} must be 0 (keep for ever) or at least {Minimum:c}; it was {value:c}.", [name]);
            }
        }
    }
}
