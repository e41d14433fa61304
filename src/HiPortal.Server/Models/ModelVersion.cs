using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Models;

/// <summary>One registered version in the repository: the file's identity and the card it was registered with.</summary>
public sealed class ModelVersion
{
    public required string Name { get; set; }

    public required string Version { get; set; }

    public required string Sha256 { get; set; }

    public long Bytes { get; set; }

    /// <summary>The card as registered (JSON), so listing needs no file reads.</summary>
    public required string CardJson { get; set; }

    public DateTime RegisteredAt { get; set; }

    public required string RegisteredBy { get; set; }

    /// <summary>"seed" (copied from the program's models/ at start) or "upload".</summary>
    public required string Source { get; set; }

    public string Reference => $"{Name}@{Version}";
}

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.HasKey(m => new { m.Name, m.Version });
        builder.Property(m => m.Name).HasMaxLength(64);
        builder.Property(m => m.Version).HasMaxLength(64);
        builder.Property(m => m.Sha256).HasMaxLength(64);
        builder.Property(m => m.RegisteredBy).HasMaxLength(64);
        builder.Property(m => m.Source).HasMaxLength(16);
        builder.Ignore(m => m.Reference);
    }
}
