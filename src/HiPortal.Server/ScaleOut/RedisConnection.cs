using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HiPortal.Server.ScaleOut;

/// <summary>
/// The one Redis connection an instance holds. It connects in the background (abortConnect=false), so neither
/// start-up nor a request waits for Redis; while Redis is unreachable <see cref="IsConnected"/> is false and every
/// user of it falls back (local rate buckets, local wake-ups only) until the connection comes back by itself.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ILogger<RedisConnection> _logger;
    private int _down;

    public RedisConnection(IConfiguration configuration, IOptions<ScaleOutOptions> options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        var config = ConfigurationOptions.Parse(ScaleOutOptions.RedisConnectionString(configuration)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ScaleOutOptions.ConnectionStringName} is not set"));
        config.AbortOnConnectFail = false;
        config.ClientName ??= "hiportal-" + InstanceId[..8];
        Prefix = "hiportal:" + options.Value.Deployment + ":";
        // Applied by the multiplexer to every channel, the SignalR backplane's included (it shares this connection).
        config.ChannelPrefix = RedisChannel.Literal(Prefix);
        Connection = ConnectAsync(config);
    }

    /// <summary>This process among the deployment's instances (messages it sent itself are ignored).</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("n");

    /// <summary>Every key and channel of this deployment starts with this (<c>hiportal:{deployment}:</c>).</summary>
    public string Prefix { get; }

    /// <summary>Completes after the first connection attempt, connected or not (reconnection continues in the background).</summary>
    public Task<IConnectionMultiplexer> Connection { get; }

    public bool IsConnected => Connection.IsCompletedSuccessfully && Connection.Result.IsConnected;

    /// <summary>Raised when the connection comes back after an outage: caches filled meanwhile may be stale.</summary>
    public event Action? Restored;

    public RedisKey Key(string name) => Prefix + name;

    /// <summary>A channel of this deployment (the multiplexer adds <see cref="Prefix"/>).</summary>
    public static RedisChannel Channel(string name) => RedisChannel.Literal(name);

    public IDatabase Database() => Connection.GetAwaiter().GetResult().GetDatabase();

    /// <summary>Logs a Redis failure once per outage (a warning), not once per request.</summary>
    public void ReportUnavailable(string what, Exception? ex)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            _logger.LogWarning("Redis is unreachable ({What}: {Error}); live updates and cross-instance wake-ups pause, rate limits are per instance until it returns",
                what, ex?.Message ?? "not connected");
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions config)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(config);
        multiplexer.ConnectionFailed += (_, e) => ReportUnavailable(e.ConnectionType + " connection", e.Exception);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref _down, 0) == 1)
            {
                _logger.LogWarning("Redis is reachable again; scale-out features resume");
                Restored?.Invoke();
            }
        };
        if (!multiplexer.IsConnected)
        {
            ReportUnavailable("first connection", null);
        }

        return multiplexer;
    }

    public async ValueTask DisposeAsync()
    {
        if (Connection.IsCompletedSuccessfully)
        {
            await Connection.Result.DisposeAsync();
        }
    }
}
