using HiPortal.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>Checks a username and password (PBKDF2 hash); shared by the token API and the dashboard sign-in.</summary>
public sealed class UserCredentials(IDbContextFactory<HiPortalDb> dbFactory, IPasswordHasher<User> hasher)
{
    public async Task<User?> CheckAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username, cancellationToken);
        return user is not null && hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed
            ? user
            : null;
    }
}
