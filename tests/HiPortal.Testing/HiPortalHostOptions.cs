using Microsoft.Extensions.Time.Testing;

namespace HiPortal.Testing;

/// <summary>How a test wants its server: extra settings, an environment, a fake clock, HTTPS, a fixed port, a data directory it keeps.</summary>
public sealed record HiPortalHostOptions
{
    /// <summary>Configuration keys (e.g. <c>Batching:MaxQueueDelay</c>) set on top of appsettings.json.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>The hosting environment (e.g. <c>Production</c>); null: Development, as WebApplicationFactory runs.</summary>
    public string? Environment { get; init; }

    /// <summary>Replaces the server's clock (presence, rate limits, long-poll waits, background timers).</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Services the test adds to (or replaces in) the server's own, e.g. a batch gate that holds a batch on cue.</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Services { get; init; }

    /// <summary>Also listen on HTTPS with the server's own self-signed certificate (for pinning).</summary>
    public bool Https { get; init; }

    /// <summary>The HTTP port; 0 lets the OS pick. A restart test passes the first run's port to the second.</summary>
    public int Port { get; init; }

    /// <summary>
    /// The database, for a test that only makes sense on one provider (it says why); null: the suite's parameter
    /// (<see cref="TestPostgres"/>), SQLite unless the run asks for PostgreSQL.
    /// </summary>
    public HiPortal.Server.Persistence.DatabaseProvider? Provider { get; init; }

    /// <summary>
    /// On PostgreSQL, a database name the caller owns and drops (several hosts on one database, as instances behind a
    /// load balancer); null: the host's own, dropped on dispose.
    /// </summary>
    public string? PostgresDatabase { get; init; }

    /// <summary>A data directory (SQLite file, TLS) the caller owns and keeps across runs; null: a fresh one, deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// A server on <paramref name="time"/>. The batcher waits on that clock too, so its queue delay is zero (a batch runs
    /// as soon as it has a request instead of waiting for fake time); the presence flush interval is longer than all the
    /// fake time a test class moves, so last-seen times are written only when a test flushes them.
    /// </summary>
    /// <remarks>Start the clock at the real time: ASP.NET's time-limited data protector checks tokens against the real one.</remarks>
    public static HiPortalHostOptions FakeClock(FakeTimeProvider time) => new()
    {
        Time = time,
        Settings = new Dictionary<string, string?>
        {
            ["Batching:MaxQueueDelay"] = "00:00:00",
            ["Presence:FlushInterval"] = "00:10:00",
        },
    };
}
