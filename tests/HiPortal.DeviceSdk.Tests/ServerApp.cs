using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HiPortal.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiPortal.DeviceSdk.Tests;

/// <summary>
/// The real server on loopback Kestrel ports (HTTP and HTTPS with its self-signed certificate) with its own SQLite
/// file: what a device meets in the field. Same pattern as the server tests' HiPortalApp.
/// </summary>
public sealed class ServerApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "device-tests-admin";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hiportal-device-tests", Guid.NewGuid().ToString("n"));

    public ServerApp()
    {
        Directory.CreateDirectory(_directory);
        // HTTP, and HTTPS with the certificate the server makes for itself when none is configured (devices pin it).
        var certificate = SelfSignedCertificate.LoadOrCreate(Path.GetDirectoryName(CertificatePath)!, NullLogger.Instance);
        UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
        });
    }

    public string DatabasePath => Path.Combine(_directory, "hiportal.db");

    public string CertificatePath => Path.Combine(_directory, "tls", "hiportal-selfsigned.pfx");

    public Uri HttpAddress => Address("http://");

    public Uri HttpsAddress => Address("https://");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseSetting("Database:Path", DatabasePath);
        // The in-process demo fleet would post into every test server (WebApplicationFactory runs as Development).
        builder.UseSetting("Demo:Enabled", "false");
        builder.UseSetting("Admin:Password", AdminPassword);
        builder.UseSetting("Tls:Directory", Path.Combine(_directory, "tls"));
        // appsettings.json's fixed ports would clash with a dev server running on the same machine.
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0");
    }

    /// <summary>Starts the server and waits until its model is loaded.</summary>
    public async Task StartAsync()
    {
        StartServer();
        using var client = new HttpClient { BaseAddress = HttpAddress };
        for (var i = 0; i < 300; i++)
        {
            using var ready = await client.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
                return;
            await Task.Delay(50);
        }

        throw new TimeoutException("the server did not become ready");
    }

    public async Task<HttpClient> CreateAdminClientAsync()
    {
        var client = new HttpClient { BaseAddress = HttpAddress };
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = AdminPassword });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenBody>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.Token);
        return client;
    }

    /// <summary>Registers a device in <paramref name="fleet"/>, creating the fleet (with <paramref name="threshold"/>) first.</summary>
    public async Task<DeviceCredentials> CreateDeviceAsync(string fleet, double? threshold = null)
    {
        using var admin = await CreateAdminClientAsync();
        using (var created = await admin.PostAsJsonAsync("/api/v1/admin/fleets", new { name = fleet, threshold }))
        {
            if (created.StatusCode != System.Net.HttpStatusCode.Conflict)
                created.EnsureSuccessStatusCode();
        }

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { name = $"{fleet}-device", fleet });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DeviceCredentials>())!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finalising connection: the OS temp cleaner gets it.
        }
    }

    private Uri Address(string scheme)
    {
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith(scheme, StringComparison.Ordinal)) + "/");
    }

    public sealed record TokenBody(string Token);

    public sealed record DeviceCredentials(string DeviceId, string Name, string Fleet, string Key);
}
