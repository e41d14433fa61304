namespace HiPortal.Server;

/// <summary>Where the host finds its settings, web root and data, and the cross-cutting services.</summary>
public static class HostSetup
{
    /// <summary>
    /// appsettings.json lives at the repo's top level and is copied beside the program at build, so the content root
    /// is the program's directory wherever it is started from (wwwroot/ comes through static web assets).
    /// </summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = AppContext.BaseDirectory,
    };

    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder)
    {
        WebAssets.UseBuildFolderAssets(builder);
        if (!builder.Configuration.GetSection("Kestrel:Certificates:Default").Exists())
        {
            // The self-signed key is a secret of the instance: it lives in the data directory, not the program folder.
            var contentRoot = builder.Environment.ContentRootPath;
            var tlsDirectory = builder.Configuration["Tls:Directory"] is { Length: > 0 } configured
                ? Path.GetFullPath(configured, contentRoot)
                : Path.Combine(Persistence.DatabaseOptions.From(builder.Configuration).DataDirectory(), "tls");
            var certificate = new Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2>(() =>
                SelfSignedCertificate.LoadOrCreate(tlsDirectory,
                    LoggerFactory.Create(l => l.AddConsole()).CreateLogger(typeof(SelfSignedCertificate))));
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
                https.ServerCertificate ??= certificate.Value));
            builder.Services.AddSingleton(new ServerCertificate(() => certificate.Value));
        }
        else
        {
            builder.Services.AddSingleton(new ServerCertificate(() => null));
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
