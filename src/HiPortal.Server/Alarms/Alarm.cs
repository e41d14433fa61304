using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Alarms;

/// <summary>
/// A condition the server raised and (later) cleared. At most one alarm per kind and scope is open at a time: a
/// filtered unique index enforces it, so two instances evaluating the same condition cannot both open one.
/// </summary>
public sealed class Alarm
{
    public long Id { get; set; }

    /// <summary>One of <see cref="AlarmKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>What it concerns: "server", "fleet:NAME", "device:ID" or "rollout:ID".</summary>
    public required string Scope { get; set; }

    public DateTime RaisedAt { get; set; }

    /// <summary>Null while open.</summary>
    public DateTime? ClearedAt { get; set; }

    public DateTime? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    /// <summary>Why it was raised (and, once cleared, why it cleared), for a person.</summary>
    public required string Detail { get; set; }

    /// <summary>The measured value that crossed the raise level, where there is one.</summary>
    public double? Value { get; set; }

    public bool IsOpen => ClearedAt is null;
}

internal sealed class AlarmConfiguration : IEntityTypeConfiguration<Alarm>
{
    public void Configure(EntityTypeBuilder<Alarm> builder)
    {
        builder.HasIndex(a => new { a.Kind, a.Scope }).IsUnique().HasFilter("\"ClearedAt\" IS NULL").HasDatabaseName("IX_Alarms_Open");
        builder.HasIndex(a => a.RaisedAt);
        builder.Property(a => a.Kind).HasMaxLength(32);
        builder.Property(a => a.Scope).HasMaxLength(100);
        builder.Property(a => a.Detail).HasMaxLength(500);
        builder.Property(a => a.AcknowledgedBy).HasMaxLength(64);
        builder.Ignore(a => a.IsOpen);
    }
}
