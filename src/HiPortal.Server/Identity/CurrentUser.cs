using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace HiPortal.Server.Identity;

/// <summary>
/// Who is calling, read from the caller's claims in one place: the name the audit log records and the one check
/// for changes, shared by API handlers (scoped per request, filled by <see cref="CurrentUserClaims"/>) and dashboard
/// components (<see cref="From"/> their cascading authentication state), so both name and authorise a caller alike.
/// </summary>
public sealed class CurrentUser
{
    public ClaimsPrincipal Principal { get; internal set; } = new(new ClaimsIdentity());

    /// <summary>The actor of audit rows.</summary>
    public string Actor => Principal.Identity?.Name ?? "unknown";

    /// <summary>May change configuration, devices and keys: the role <see cref="Policies.Admin"/> requires.</summary>
    public bool IsAdmin => Principal.IsInRole(Roles.Admin);

    public static CurrentUser From(ClaimsPrincipal principal) => new() { Principal = principal };
}

/// <summary>Fills the request's <see cref="CurrentUser"/> once authentication has made the principal (TodoApi's pattern).</summary>
internal sealed class CurrentUserClaims(CurrentUser currentUser) : IClaimsTransformation
{
    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        currentUser.Principal = principal;
        return Task.FromResult(principal);
    }
}
