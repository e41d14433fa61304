using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Audit;

/// <summary>
/// One change, append-only: who, when, what (old and new, as JSON), where (fleet or device) and why. The database
/// refuses UPDATE and DELETE on this table (triggers in the migration), so history cannot be rewritten via the app.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    /// <summary>"fleet", "device", "user" or "key".</summary>
    public required string Scope { get; set; }

    public required string Target { get; set; }

    public string? OldValue { get; set; }

    public string? NewValue { get; set; }

    public string? Reason { get; set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.HasIndex(a => a.At);
        builder.HasIndex(a => new { a.Scope, a.Target });
        builder.Property(a => a.Actor).HasMaxLength(64);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Scope).HasMaxLength(16);
        builder.Property(a => a.Target).HasMaxLength(64);
        builder.Property(a => a.Reason).HasMaxLength(500);
    }
}
