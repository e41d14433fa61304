using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HiPortal.Server.Persistence;

public static class PersistenceExtensions
{
    /// <summary>The provider switch: <c>Database:Provider</c> picks SQLite (default) or PostgreSQL, and everything below.</summary>
    public static IHostApplicationBuilder AddPersistence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .Configure<IConfiguration>(DatabaseOptions.ReadOutsideSection)
            .ValidateDataAnnotations().ValidateOnStart();
        var database = DatabaseOptions.From(builder.Configuration);
        // The data directory is the instance's secret store whichever database holds the rows: owner-only from the start.
        OwnerOnly.CreateDirectory(database.DataDirectory());
        builder.Services.AddSingleton(new WriteGate(exclusive: database.Provider == DatabaseProvider.Sqlite));
        // Pooled contexts: a context and the internal services EF Core resolves for it are made once and reset on
        // return, not built again for every telemetry batch, presence flush and configuration read (a load run's
        // largest allocations were those per-context services, and the GC pauses they caused were its tail).
        if (database.Provider == DatabaseProvider.Postgres)
        {
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(database.PostgresConnection()));
            builder.Services.AddSingleton<PostgresWriteLock>();
            builder.Services.AddPooledDbContextFactory<PostgresHiPortalDb>((services, options) => options
                .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
                .AddInterceptors(services.GetRequiredService<PostgresWriteLock>()));
            builder.Services.AddSingleton<IDbContextFactory<HiPortalDb>>(services =>
                new SubtypeFactory<PostgresHiPortalDb>(services.GetRequiredService<IDbContextFactory<PostgresHiPortalDb>>()));
            builder.Services.AddSingleton<IDatabaseMigrator, PostgresMigrator>();
            builder.Services.AddSingleton<IRawDatabase, PostgresRawDatabase>();
        }
        else
        {
            builder.Services.AddSingleton<SqlitePragmas>();
            builder.Services.AddPooledDbContextFactory<HiPortalDb>((services, options) => options
                .UseSqlite(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString())
                .AddInterceptors(services.GetRequiredService<SqlitePragmas>()));
            builder.Services.AddSingleton(services =>
                new SqliteConnectionFactory(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString()));
            builder.Services.AddSingleton<IDatabaseMigrator, SqliteMigrator>();
            builder.Services.AddSingleton<IRawDatabase, SqliteRawDatabase>();
        }

        return builder;
    }

    /// <summary>
    /// Serialises the start-up steps with any other instance on the same database (a no-op on SQLite); dispose
    /// after the last of them.
    /// </summary>
    public static Task<IAsyncDisposable> LockDatabaseStartupAsync(this IHost app) =>
        app.Services.GetRequiredService<IDatabaseMigrator>().LockStartupAsync(CancellationToken.None);

    /// <summary>Applies migrations before the host serves anything.</summary>
    public static Task MigrateDatabaseAsync(this IHost app) =>
        app.Services.GetRequiredService<IDatabaseMigrator>().MigrateAsync(CancellationToken.None);

    /// <summary>Hands out the provider's context type where features ask for <see cref="HiPortalDb"/>.</summary>
    private sealed class SubtypeFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<HiPortalDb>
        where TContext : HiPortalDb
    {
        public HiPortalDb CreateDbContext() => inner.CreateDbContext();

        public async Task<HiPortalDb> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}
