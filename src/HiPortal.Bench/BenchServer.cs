using System.Diagnostics;
using HiPortal.Client;
using HiPortal.Client.Hosting;
using HiPortal.Contracts;

namespace HiPortal.Bench;

/// <summary>The server the bench measures: its own process (see <see cref="ServerProcess"/>), started from this executable.</summary>
public static class BenchServer
{
    public const string ServeVerb = "serve-internal";

    /// <summary>A long passphrase, so a password policy never rejects the bench's admin.</summary>
    public const string Password = "benchmark admin passphrase, long enough for any policy";

    /// <summary>A server with one fleet per pair, each naming its pair (the large version loaded before it answers).</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, IReadOnlyList<BenchPair>? pairs = null)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["Logging:LogLevel:Default"] = "Warning",
            // The child runs on the bench's runtime configuration (workstation GC), so it is given the product's GC.
            ["DOTNET_gcServer"] = ProductServerGc ? "1" : "0",
        };
        var server = await ServerProcess.StartAsync(SelfCommand(ServeVerb), Password, environment);
        using var admin = await SignInAsync(server);
        // The bench measures the server, not the per-device limiter: give the fleet a limit it never reaches.
        await admin.ChangeFleetSettingsAsync("default", new(RateLimitPerSecond: 100_000, RateLimitBurst: 1_000_000, Reason: "benchmark"));
        var registered = await admin.ListModelsAsync();
        foreach (var pair in pairs ?? [])
        {
            await admin.EnsureFleetAsync(new CreateFleetRequest(pair.Fleet));
            await admin.ChangeFleetSettingsAsync(pair.Fleet, new(RateLimitPerSecond: 100_000, RateLimitBurst: 1_000_000, Reason: "benchmark"));
            if (!registered.Any(m => (m.Name, m.Version) == (pair.Large.Name, pair.Large.Version)))
            {
                // A model outside the committed ones goes through the admin API, as a user's would.
                await admin.RegisterModelDirectoryAsync(pair.LargeDirectory);
            }

            await admin.SetFleetModelsAsync(pair.Fleet, new FleetModelsRequest(pair.Tiny, pair.Large.Reference, "benchmark"));
        }

        return server;
    }

    /// <summary>
    /// Whether the product runs server GC, read from the server's own runtime configuration (beside the bench, from its
    /// project reference): the Web SDK's default is on. The bench's server is measured with the product's collector.
    /// </summary>
    public static bool ProductServerGc { get; } = ReadProductServerGc();

    private static bool ReadProductServerGc()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "HiPortal.Server.runtimeconfig.json");
        if (!File.Exists(path))
            return true;
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        return !config.RootElement.TryGetProperty("runtimeOptions", out var options)
            || !options.TryGetProperty("configProperties", out var properties)
            || !properties.TryGetProperty("System.GC.Server", out var server)
            || server.ValueKind != System.Text.Json.JsonValueKind.False;
    }

    public static async Task<HiPortalClient> SignInAsync(ServerProcess server, HttpMessageHandler? handler = null)
    {
        var admin = new HiPortalClient(server.Address, handler, disposeHandler: handler is null) { Timeout = TimeSpan.FromSeconds(60) };
        await admin.SignInAsync("admin", Password);
        return admin;
    }

    /// <summary>
    /// The server runs as a child process of this executable (<paramref name="verb"/>), so a self-contained publish
    /// needs no <c>dotnet</c> on the machine (the GPU box has none).
    /// </summary>
    internal static ProcessStartInfo SelfCommand(string verb)
    {
        var self = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new ProcessStartInfo(self, [typeof(BenchServer).Assembly.Location, verb])
            : new ProcessStartInfo(self, [verb]);
    }
}
