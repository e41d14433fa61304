using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace HiPortal.Server.Identity;

/// <summary>
/// Every request with the dashboard cookie re-checks its user, as bearer tokens do: a deleted or disabled user, or
/// one whose stamp rotated (password change, forced sign-out), is signed out; a changed role applies at once and
/// the cookie is reissued with it.
/// </summary>
public static class CookieRevalidation
{
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserSessions>();
        var current = context.Principal is null
            ? null
            : await users.RevalidateAsync(context.Principal, IdentityExtensions.CookieScheme, context.HttpContext.RequestAborted);
        if (current is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityExtensions.CookieScheme);
            return;
        }

        if (current.FindFirstValue(ClaimTypes.Role) != context.Principal!.FindFirstValue(ClaimTypes.Role))
        {
            context.ReplacePrincipal(current);
            context.ShouldRenew = true;
        }
    }
}
