using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Persistence;

public static class PersistenceExtensions
{
    public static IHostApplicationBuilder AddPersistence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var contentRoot = builder.Environment.ContentRootPath;
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
