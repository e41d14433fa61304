using System.Net;
using HiPortal.Server;
using HiPortal.Server.Inference;
using HiPortal.Server.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiPortal.Testing;

/// <summary>
/// The real server for a test: real Kestrel on loopback (HTTP, and HTTPS with its self-signed certificate when asked),
/// real migrations on a real database (a SQLite file in its own data directory, or with the suite's
/// <see cref="TestPostgres"/> parameter a fresh PostgreSQL database of its own), the real model. The demo fleet is always off.
/// </summary>
/// <example>
/// <code>
/// await using var host = await HiPortalHost.StartAsync();
/// using var admin = await host.CreateAdminAsync();
/// using var device = await host.CreateDeviceAsync("sensor", "lab");
/// </code>
/// </example>
public sealed class HiPortalHost : WebApplicationFactory<Program>
{
    /// <summary>A long passphrase, so a password policy never rejects the test admin.</summary>
    public const string AdminPassword = "correct horse battery staple for the test admin";

    public const string UserPassword = "correct horse battery staple for a test user";

    private readonly HiPortalHostOptions _options;
    private readonly bool _ownsDirectory;
    private readonly bool _ownsDatabase;

    public HiPortalHost(HiPortalHostOptions? options = null)
    {
        _options = options ?? new HiPortalHostOptions();
        _ownsDirectory = _options.DataDirectory is null;
        DataDirectory = _options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "hiportal-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(DataDirectory);
        Provider = _options.Provider ?? TestPostgres.RequestedProvider;
        if (Provider == DatabaseProvider.Postgres)
        {
            PostgresConnection = TestPostgres.CreateDatabase(_options.PostgresDatabase ?? TestPostgres.DatabaseName(DataDirectory));
            _ownsDatabase = _options.PostgresDatabase is null;
        }

        var certificate = _options.Https
            ? SelfSignedCertificate.LoadOrCreate(Path.GetDirectoryName(CertificatePath)!, NullLogger.Instance)
            : null;
        UseKestrel(kestrel =>
        {
            // Only these listeners: appsettings.json's fixed ports belong to a developer's server, not a test's.
            kestrel.Configure(new ConfigurationBuilder().Build());
            kestrel.Listen(IPAddress.Loopback, _options.Port);
            if (certificate is not null)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
            }
        });
    }

    public string DataDirectory { get; }

    /// <summary>The database this server runs on: the options' choice, else the suite's parameter.</summary>
    public DatabaseProvider Provider { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "hiportal.db");

    /// <summary>The server's own PostgreSQL database (null on SQLite).</summary>
    public string? PostgresConnection { get; }

    /// <summary>The server's database, read directly as an auditor would.</summary>
    public ServerDatabase Database => PostgresConnection is { } postgres ? ServerDatabase.Postgres(postgres) : new(DatabasePath);

    /// <summary>The certificate the server made for itself (with <see cref="HiPortalHostOptions.Https"/>).</summary>
    public string CertificatePath => Path.Combine(DataDirectory, "tls", "hiportal-selfsigned.pfx");

    public Uri HttpAddress => Address("http://");

    public Uri HttpsAddress => Address("https://");

    /// <summary>Starts a server and returns once its model is loaded and warm.</summary>
    public static async Task<HiPortalHost> StartAsync(HiPortalHostOptions? options = null)
    {
        var host = new HiPortalHost(options);
        try
        {
            await host.BootAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server and awaits the model host's own ready signal.</summary>
    private async Task BootAsync()
    {
        StartServer();
        await Services.GetRequiredService<ModelHost>().WhenReady.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Stops the server (requests in flight may finish) and keeps its database to read.</summary>
    public Task StopAsync() => Services.GetRequiredService<IHost>().StopAsync();

    public HiPortalClient CreateAnonymousClient() => new(HttpAddress);

    /// <summary>A client with <paramref name="bearer"/> as its credential (a token or a device key).</summary>
    public HiPortalClient CreateClient(string bearer) => new(HttpAddress) { Bearer = bearer };

    /// <summary>A client that keeps cookies and does not follow redirects, as a test drives the dashboard's pages and forms.</summary>
    public HiPortalClient CreateBrowserClient() =>
        new(HttpAddress, new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() });

    public Task<HiPortalClient> CreateAdminAsync() => SignInAsync("admin", AdminPassword);

    public async Task<HiPortalClient> SignInAsync(string username, string password)
    {
        var client = CreateAnonymousClient();
        await client.SignInAsync(username, password);
        return client;
    }

    /// <summary>Creates a user with <see cref="UserPassword"/> in <paramref name="role"/> and signs them in.</summary>
    public async Task<HiPortalClient> CreateUserAsync(string username, string role)
    {
        using (var admin = await CreateAdminAsync())
        {
            await admin.CreateUserAsync(username, UserPassword, role);
        }

        return await SignInAsync(username, UserPassword);
    }

    public Task<HiPortalClient> CreateOperatorAsync(string username) => CreateUserAsync(username, "Operator");

    /// <summary>Registers a device in <paramref name="fleet"/> (creating the fleet unless it exists) and returns its key.</summary>
    public async Task<CreatedDevice> RegisterDeviceAsync(string name = "sensor", string fleet = "lab")
    {
        using var admin = await CreateAdminAsync();
        await admin.EnsureFleetAsync(new CreateFleetRequest(fleet));
        return await admin.RegisterDeviceAsync(name, fleet);
    }

    /// <summary>Registers a device (as <see cref="RegisterDeviceAsync"/>) and returns a client signed in with its key.</summary>
    public async Task<DeviceClient> CreateDeviceAsync(string name = "sensor", string fleet = "lab") =>
        CreateDeviceClient(await RegisterDeviceAsync(name, fleet));

    public DeviceClient CreateDeviceClient(CreatedDevice device) => new(HttpAddress, device);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        if (_options.Environment is { } environment)
        {
            builder.UseEnvironment(environment);
        }

        builder.UseSetting("Data:Directory", DataDirectory);
        builder.UseSetting("Database:Provider", Provider.ToString());
        if (PostgresConnection is { } postgres)
        {
            builder.UseSetting("ConnectionStrings:Postgres", postgres);
        }

        // The in-process demo fleet would post into every test server (WebApplicationFactory runs as Development).
        builder.UseSetting("Demo:Enabled", "false");
        builder.UseSetting("Admin:Password", AdminPassword);
        builder.UseSetting("Tls:Directory", Path.Combine(DataDirectory, "tls"));
        foreach (var (key, value) in _options.Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            // Shutdown waits for requests in flight; a device's long-poll must not hold a stop for the host's 30 s.
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
            if (_options.Time is { } time)
            {
                services.AddSingleton(time);
            }

            _options.Services?.Invoke(services);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            TempDirectory.Delete(DataDirectory);
            if (_ownsDatabase)
            {
                await TestPostgres.DropDatabaseAsync(TestPostgres.DatabaseName(DataDirectory));
            }
        }
    }

    private Uri Address(string scheme)
    {
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith(scheme, StringComparison.Ordinal)) + "/");
    }
}
