using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HiPortal.Server.Identity;

/// <summary>A person who signs in: an admin (changes things) or an operator (reads).</summary>
public sealed class User
{
    public int Id { get; set; }

    public required string Username { get; set; }

    public required string PasswordHash { get; set; }

    public required string Role { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// Random, rotated on a password change, a disable or a forced sign-out. Tokens and cookies carry the value they
    /// were issued with; a mismatch (or a stamp from another instance's database) makes them worthless at once.
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    /// <summary>A disabled account cannot sign in, and its tokens and cookies stop working.</summary>
    public bool Disabled { get; set; }

    public static string NewSecurityStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.HasIndex(u => u.Username).IsUnique();
        builder.Property(u => u.Username).HasMaxLength(64);
        builder.Property(u => u.Role).HasMaxLength(16);
        builder.Property(u => u.SecurityStamp).HasMaxLength(32);
    }
}
