using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Identity;

/// <summary>
/// Admin/operator bearer tokens: the user id, name and role, protected (encrypted and signed) by ASP.NET Data
/// Protection with an expiry. Nothing to store; a key ring rotation or restart with new keys invalidates them.
/// </summary>
public sealed class TokenService(IDataProtectionProvider provider, IOptions<IdentityOptions> options, TimeProvider time)
{
    public const string Prefix = "hpt_";
    private readonly ITimeLimitedDataProtector _protector =
        provider.CreateProtector("HiPortal.UserTokens.v1").ToTimeLimitedDataProtector();

    public (string Token, DateTimeOffset ExpiresAt) Issue(User user)
    {
        var expiresAt = time.GetUtcNow().Add(options.Value.TokenLifetime);
        var token = _protector.Protect($"{user.Id}\n{user.Username}\n{user.Role}", expiresAt);
        return (Prefix + token, expiresAt);
    }

    public ClaimsPrincipal? Validate(string token, string scheme)
    {
        try
        {
            var parts = _protector.Unprotect(token[Prefix.Length..], out var expiresAt).Split('\n');
            if (parts.Length != 3 || expiresAt < time.GetUtcNow())
            {
                return null;
            }

            return new ClaimsPrincipal(new ClaimsIdentity(
                [
                    new Claim(ClaimTypes.NameIdentifier, parts[0]),
                    new Claim(ClaimTypes.Name, parts[1]),
                    new Claim(ClaimTypes.Role, parts[2]),
                ],
                scheme));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
