using System.Security.Cryptography;
using HiPortal.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Identity;

/// <summary>On an empty database, creates the user <c>admin</c> so the first operator can sign in.</summary>
public static class AdminBootstrapper
{
    public static async Task EnsureAdminAsync(this IHost app)
    {
        var services = app.Services;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminBootstrapper));
        await using var db = await services.GetRequiredService<IDbContextFactory<HiPortalDb>>().CreateDbContextAsync();
        if (await db.Users.AnyAsync())
        {
            return;
        }

        var configured = services.GetRequiredService<IOptions<AdminOptions>>().Value.Password;
        // The first admin's password meets the same policy as every other (a weak one stops the host, naming the key).
        if (!string.IsNullOrEmpty(configured) && PasswordPolicy.Check(configured, "admin") is { } weak)
        {
            throw new InvalidOperationException($"Admin:Password is too weak: {weak}");
        }

        var password = string.IsNullOrEmpty(configured)
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18))
            : configured;
        var user = new User
        {
            Username = "admin",
            PasswordHash = "",
            Role = Roles.Admin,
            CreatedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
        };
        user.PasswordHash = services.GetRequiredService<IPasswordHasher<User>>().HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync();
        if (string.IsNullOrEmpty(configured))
        {
            // Written once, on the run that created the account; never logged again.
            logger.LogWarning("Created user 'admin' with generated password {Password} (set Admin__Password to choose one)", password);
        }
        else
        {
            logger.LogInformation("Created user 'admin' with the password from configuration Admin:Password");
        }
    }
}
