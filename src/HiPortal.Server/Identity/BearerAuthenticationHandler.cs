using System.Security.Claims;
using System.Text.Encodings.Web;
using HiPortal.Server.Devices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Identity;

/// <summary>
/// One bearer scheme for both kinds of caller: <c>hpk_…</c> device keys (checked against their stored hash) and
/// <c>hpt_…</c> user tokens (issued by <see cref="TokenService"/>).
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenService tokens,
    DeviceKeyVerifier deviceKeys,
    UserRoles roles) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HiPortalBearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        string token;
        if (!string.IsNullOrEmpty(header) && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments("/hubs") && Request.Query["access_token"].ToString() is { Length: > 0 } queryToken)
        {
            // Browsers cannot set headers on WebSockets; SignalR clients send the token in the query instead.
            token = queryToken;
        }
        else
        {
            return AuthenticateResult.NoResult();
        }

        if (token.StartsWith(DeviceKeyFormat.Prefix, StringComparison.Ordinal))
        {
            var device = await deviceKeys.VerifyAsync(token, Context.RequestAborted);
            return device is null
                ? AuthenticateResult.Fail("unknown or revoked device key")
                : Success(device.ToPrincipal(SchemeName));
        }

        if (token.StartsWith(TokenService.Prefix, StringComparison.Ordinal))
        {
            var principal = tokens.Validate(token, SchemeName);
            if (principal is null ||
                !int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var userId) ||
                await roles.CurrentRoleAsync(userId, Context.RequestAborted) is not { } role)
            {
                return AuthenticateResult.Fail("invalid or expired token");
            }

            return Success(new ClaimsPrincipal(new ClaimsIdentity(
                [.. principal.Claims.Where(c => c.Type != ClaimTypes.Role), new Claim(ClaimTypes.Role, role)], SchemeName)));
        }

        return AuthenticateResult.Fail("unrecognised bearer token");
    }

    private AuthenticateResult Success(ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
}
