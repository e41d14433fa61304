using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HiPortal.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HiPortal.DeviceSdk.Tests.EndToEnd;

/// <summary>
/// One run of the real server on loopback HTTP, over a data directory (SQLite file) that outlives it: stop it and
/// start another on the same port and file, and devices meet what they meet when a real server restarts.
/// Unlike <see cref="ServerApp"/> the in-process demo fleet is off, so only the test's devices load the machine.
/// </summary>
public sealed class AcceptanceServer : WebApplicationFactory<Program>
{
    public const string AdminPassword = "acceptance-admin";
    private readonly ServerData _data;

    private AcceptanceServer(ServerData data, int port)
    {
        _data = data;
        UseKestrel(kestrel =>
        {
            // Only this listener: appsettings.json's endpoints (5080, 5443) are a developer's server's, not a test's.
            kestrel.Configure(new ConfigurationBuilder().Build());
            kestrel.Listen(IPAddress.Loopback, port);
        });
    }

    public Uri HttpAddress
    {
        get
        {
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)) + "/");
        }
    }

    /// <summary>Starts a server on <paramref name="port"/> (0: any free one) and waits until its model is loaded.</summary>
    public static async Task<AcceptanceServer> StartAsync(ServerData data, int port = 0)
    {
        var server = new AcceptanceServer(data, port);
        server.StartServer();
        using var client = new HttpClient { BaseAddress = server.HttpAddress };
        // /health/ready has no push signal: poll it, bounded, as a load balancer would.
        for (var i = 0; i < 600; i++)
        {
            using var ready = await client.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
                return server;
            await Task.Delay(20);
        }

        await server.DisposeAsync();
        throw new TimeoutException("the server did not become ready");
    }

    public async Task<HttpClient> CreateAdminClientAsync()
    {
        var client = new HttpClient { BaseAddress = HttpAddress };
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = AdminPassword });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates <paramref name="fleet"/> with its θ (and telemetry interval) and registers its devices.</summary>
    public async Task<IReadOnlyList<(string DeviceId, string Key)>> CreateFleetAsync(string fleet, double threshold, int devices,
        int telemetryIntervalSeconds = 10)
    {
        using var admin = await CreateAdminClientAsync();
        using (var created = await admin.PostAsJsonAsync("/api/v1/admin/fleets",
                   new { name = fleet, threshold, telemetryIntervalSeconds }))
        {
            created.EnsureSuccessStatusCode();
        }

        var registered = new List<(string, string)>();
        for (var i = 0; i < devices; i++)
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/admin/devices", new { name = $"{fleet}-{i:00}", fleet });
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            registered.Add((body.GetProperty("deviceId").GetString()!, body.GetProperty("key").GetString()!));
        }

        return registered;
    }

    /// <summary>The stats API's totals for <paramref name="fleet"/> over the last hour up to a minute ahead.</summary>
    public async Task<JsonElement> FleetTotalsAsync(string fleet)
    {
        using var admin = await CreateAdminClientAsync();
        var now = DateTimeOffset.UtcNow;
        var from = Uri.EscapeDataString(now.AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(now.AddMinutes(1).ToString("O"));
        var stats = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/stats/fleets/{fleet}?from={from}&to={to}&bucketSeconds=600");
        return stats.GetProperty("totals");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseSetting("Database:Path", _data.DatabasePath);
        builder.UseSetting("Admin:Password", AdminPassword);
        builder.UseSetting("Tls:Directory", Path.Combine(_data.Directory, "tls"));
        builder.UseSetting("Demo:Enabled", "false");
        // Shutdown waits for requests in flight; a device's long-poll must not hold a stop for the host's 30 s.
        builder.ConfigureServices(services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3)));
    }
}

/// <summary>The server's data directory (its SQLite file), kept across server runs and deleted at the end.</summary>
public sealed class ServerData : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "hiportal-acceptance-tests", Guid.NewGuid().ToString("n"));

    public ServerData() => System.IO.Directory.CreateDirectory(Directory);

    public string DatabasePath => Path.Combine(Directory, "hiportal.db");

    /// <summary>Reads the SQLite file directly, as an auditor would (no pooling: nothing keeps the file open).</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<Microsoft.Data.Sqlite.SqliteDataReader, T> row)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
            rows.Add(row(reader));
        return rows;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finalising connection: the OS temp cleaner gets it.
        }
    }
}
