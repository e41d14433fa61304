using System.ComponentModel.DataAnnotations;

namespace HiPortal.Server.ScaleOut;

/// <summary>
/// Several instances behind one address: they share the database and, through <c>ConnectionStrings:Redis</c>, the
/// SignalR backplane, wake-ups, rate limits, presence, the live-snapshot lease and the Data Protection key ring.
/// Without a Redis connection string the server is a single instance, as before.
/// </summary>
public sealed class ScaleOutOptions
{
    public const string Section = "ScaleOut";

    public const string ConnectionStringName = "Redis";

    /// <summary>
    /// Names one deployment: its instances share Redis keys, channels and the key ring under this name, and two
    /// deployments on one Redis cannot read each other's tokens or messages. It is also the Data Protection
    /// application name when the key ring is in Redis.
    /// </summary>
    [Required, MaxLength(100), RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = "ScaleOut:Deployment: letters, digits, '-', '_', '.'")]
    public string Deployment { get; set; } = "HiPortal";

    /// <summary>The longest a request waits on Redis for a rate-limit answer before it uses this instance's own bucket.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often this instance shares its devices' last-seen times and reads the others'.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PresenceSyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    public static string? RedisConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value ? value : null;

    /// <summary>The deployment name as configured (before options validation runs), for wiring done at build time.</summary>
    public static string DeploymentName(IConfiguration configuration) =>
        configuration[$"{Section}:{nameof(Deployment)}"] is { Length: > 0 } name ? name : new ScaleOutOptions().Deployment;
}
