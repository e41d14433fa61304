using HiPortal.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Identity;

/// <summary>Checks a username and password (PBKDF2 hash); shared by the token API and the dashboard sign-in.</summary>
public sealed class UserCredentials(IDbContextFactory<HiPortalDb> dbFactory, IPasswordHasher<User> hasher)
{
    // An unknown user is checked against this hash, so both answers cost one PBKDF2 run: timing tells no names.
    private readonly Lazy<(User User, string Hash)> _dummy = new(() =>
    {
        var user = new User { Username = "", PasswordHash = "", Role = "" };
        return (user, hasher.HashPassword(user, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));
    });

    /// <summary>The user, when the password is right and the account enabled; else null.</summary>
    public async Task<User?> CheckAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        var canonical = Names.CanonicalUser(username);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == canonical, cancellationToken);
        if (user is null)
        {
            var (dummy, hash) = _dummy.Value;
            hasher.VerifyHashedPassword(dummy, hash, password);
            return null;
        }

        return hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed && !user.Disabled
            ? user
            : null;
    }
}
