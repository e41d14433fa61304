using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Identity;

/// <summary>
/// Admin/operator bearer tokens: the user id, name, role and security stamp, protected (encrypted and signed) by
/// ASP.NET Data Protection with an expiry. The key ring belongs to the instance (see <see cref="KeyRing"/>) and the
/// stamp to a row of its database, so a token minted by another instance is rejected twice over; the holder's
/// current state is checked per request by <see cref="UserSessions"/>.
/// </summary>
public sealed class TokenService(IDataProtectionProvider provider, IOptions<IdentityOptions> options, TimeProvider time)
{
    public const string Prefix = "hpt_";

    // v2: v1 tokens carried no stamp; they cannot be re-validated, so they are not accepted.
    private readonly ITimeLimitedDataProtector _protector =
        provider.CreateProtector("HiPortal.UserTokens.v2").ToTimeLimitedDataProtector();

    public (string Token, DateTimeOffset ExpiresAt) Issue(User user)
    {
        var expiresAt = time.GetUtcNow().Add(options.Value.TokenLifetime);
        var token = _protector.Protect($"{user.Id}\n{user.Username}\n{user.Role}\n{user.SecurityStamp}", expiresAt);
        return (Prefix + token, expiresAt);
    }

    /// <summary>The principal the token was issued for (not yet re-validated), or null when it is not ours or expired.</summary>
    public ClaimsPrincipal? Validate(string token, string scheme)
    {
        try
        {
            var parts = _protector.Unprotect(token[Prefix.Length..], out var expiresAt).Split('\n');
            if (parts.Length != 4 || expiresAt < time.GetUtcNow() ||
                !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                return null;
            }

            return UserSessions.Principal(id, parts[1], parts[2], parts[3], scheme);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            // Not base64url at all.
            return null;
        }
    }
}
