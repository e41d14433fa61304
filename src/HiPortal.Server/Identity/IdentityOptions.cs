using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.Identity;

public sealed class IdentityOptions
{
    public const string Section = "Identity";

    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long a verified device key is trusted before its hash is checked against the database again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DeviceKeyCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Password of the first admin, created on an empty database. Empty: a random one is logged once.</summary>
    public string? Password { get; set; }
}
