using System.Text.Encodings.Web;
using HiPortal.Server.Devices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Identity;

/// <summary>
/// One bearer scheme for both kinds of caller: <c>hpk_…</c> device keys (checked against their stored hash) and
/// <c>hpt_…</c> user tokens (issued by <see cref="TokenService"/>, re-validated against the user table).
/// </summary>
/// <remarks>
/// The base class logs two Information lines per rejected bearer ("not authenticated", "challenged"); anyone can
/// send bearers, so that is log amplification. Those lines are filtered to Warning (see
/// <see cref="IdentityExtensions"/>) and this handler writes one Debug line with the client address instead.
/// </remarks>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenService tokens,
    DeviceKeyVerifier deviceKeys,
    UserSessions users) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HiPortalBearer";
    public const string RejectionLogCategory = "HiPortal.Server.Identity.BearerRejections";
    private readonly ILogger _rejections = logger.CreateLogger(RejectionLogCategory);

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
            var device = await deviceKeys.AuthenticateAsync(token, SchemeName, Context.RequestAborted);
            return device is null ? Reject("unknown or revoked device key") : Success(device);
        }

        if (token.StartsWith(TokenService.Prefix, StringComparison.Ordinal))
        {
            var issued = tokens.Validate(token, SchemeName);
            var current = issued is null ? null : await users.RevalidateAsync(issued, SchemeName, Context.RequestAborted);
            return current is null ? Reject("invalid, expired or superseded token") : Success(current);
        }

        return Reject("unrecognised bearer token");
    }

    private AuthenticateResult Reject(string reason)
    {
        _rejections.LogDebug("Bearer rejected from {Client}: {Reason}", Context.Connection.RemoteIpAddress, reason);
        return AuthenticateResult.Fail(reason);
    }

    private AuthenticateResult Success(System.Security.Claims.ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
}
