using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Persistence;

public static class PersistenceExtensions
{
    public static IHostApplicationBuilder AddPersistence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .Configure<IConfiguration>(DatabaseOptions.ReadOutsideSection)
            .ValidateDataAnnotations().ValidateOnStart();
        var contentRoot = builder.Environment.ContentRootPath;
        // The data directory is the instance's secret store whichever database holds the rows: owner-only from the start.
        OwnerOnly.CreateDirectory(DatabaseOptions.From(builder.Configuration).DataDirectory(contentRoot));
        builder.Services.AddSingleton<SqlitePragmas>();
        builder.Services.AddDbContextFactory<HiPortalDb>((services, options) => options
            .UseSqlite(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString(contentRoot))
            .AddInterceptors(services.GetRequiredService<SqlitePragmas>()));
        builder.Services.AddSingleton(services =>
            new SqliteConnectionFactory(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString(contentRoot)));
        return builder;
    }

    /// <summary>Applies migrations before the host serves anything.</summary>
    public static async Task MigrateDatabaseAsync(this IHost app)
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<HiPortalDb>>();
        await using var db = await factory.CreateDbContextAsync();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync(SqlitePragmas.DatabaseSql);
    }
}
