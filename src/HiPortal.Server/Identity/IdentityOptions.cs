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

    /// <summary>Failed sign-ins one username may absorb at once, then refilled per minute (see SignInThrottle).</summary>
    [Range(1, 1000)]
    public int SignInFailureBurstPerUser { get; set; } = 5;

    [Range(0.01, 1000)]
    public double SignInFailuresPerUserPerMinute { get; set; } = 5;

    /// <summary>Failed sign-ins one client address may absorb at once, whatever usernames it tries.</summary>
    [Range(1, 10000)]
    public int SignInFailureBurstPerClient { get; set; } = 20;

    [Range(0.01, 10000)]
    public double SignInFailuresPerClientPerMinute { get; set; } = 20;
}

public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Password of the first admin, created on an empty database. Empty: a random one is logged once.</summary>
    public string? Password { get; set; }
}
