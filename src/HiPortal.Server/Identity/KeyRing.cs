using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;
using HiPortal.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace HiPortal.Server.Identity;

/// <summary>Where the Data Protection key ring (which signs and encrypts tokens and cookies) lives and how it is protected.</summary>
public sealed class KeyRingOptions
{
    public const string Section = "KeyRing";

    /// <summary>Key ring folder; empty: <c>keys/</c> in the data directory (beside the database).</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Data Protection application name: instances that share a key ring but not an application name cannot read
    /// each other's tokens or cookies. Change it only to separate instances on purpose.
    /// </summary>
    [Required, MaxLength(200)]
    public string ApplicationName { get; set; } = "HiPortal";

    /// <summary>A PFX whose key encrypts the key ring at rest (recommended on Linux, where nothing else does).</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}

public static class KeyRing
{
    /// <summary>
    /// Binds the key ring to the instance's data: its own folder (owner-only), its own application name, encrypted at
    /// rest with a configured certificate or, on Windows, DPAPI. Without either on Linux the keys are stored in the
    /// clear, and the start-up log says so.
    /// </summary>
    public static IHostApplicationBuilder AddKeyRing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KeyRingOptions>().BindConfiguration(KeyRingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var contentRoot = builder.Environment.ContentRootPath;
        var dataProtection = builder.Services.AddDataProtection();
        string directory;
        var inRedis = ScaleOut.ScaleOutOptions.RedisConnectionString(builder.Configuration) is not null;
        if (inRedis)
        {
            // Several instances: one key ring for the deployment, in Redis, named after it (ScaleOut/).
            directory = ScaleOut.ScaleOutExtensions.UseRedisKeyRing(builder, dataProtection);
        }
        else
        {
            directory = string.IsNullOrEmpty(options.Directory)
                ? Path.Combine(DatabaseOptions.From(builder.Configuration).DataDirectory(), "keys")
                : Path.GetFullPath(options.Directory, contentRoot);
            OwnerOnly.CreateDirectory(directory);
            dataProtection.SetApplicationName(options.ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(directory));
        }

        string protection;
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            dataProtection.ProtectKeysWithCertificate(
                X509CertificateLoader.LoadPkcs12FromFile(Path.GetFullPath(options.CertificatePath, contentRoot), options.CertificatePassword));
            protection = "encrypted with the certificate " + options.CertificatePath;
        }
        else if (OperatingSystem.IsWindows())
        {
            dataProtection.ProtectKeysWithDpapi();
            protection = "encrypted with DPAPI";
        }
        else
        {
            protection = inRedis
                ? "NOT encrypted at rest (set KeyRing:CertificatePath); only the deployment's instances may reach that Redis"
                : "NOT encrypted at rest (set KeyRing:CertificatePath); the folder is owner-only (0700)";
        }

        builder.Services.AddHostedService(services => new KeyRingNotice(
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KeyRing)), directory, protection, options.CertificatePath is { Length: > 0 } || OperatingSystem.IsWindows()));
        return builder;
    }

    /// <summary>Says once at start where the keys are and whether they are protected at rest.</summary>
    private sealed class KeyRingNotice(ILogger logger, string directory, string protection, bool encrypted) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (encrypted)
            {
                logger.LogInformation("Data Protection key ring in {Directory}, {Protection}", directory, protection);
            }
            else
            {
                logger.LogWarning("Data Protection key ring in {Directory}, {Protection}", directory, protection);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
