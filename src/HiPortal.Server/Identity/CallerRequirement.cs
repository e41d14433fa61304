using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace HiPortal.Server.Identity;

/// <summary>
/// The whole of each of the server's policies: the caller is in one of <see cref="Roles"/> and, when
/// <see cref="Claim"/> is set, carries that claim (any value; the type compared ignoring case, as
/// <see cref="ClaimsAuthorizationRequirement"/> does). It is its own handler, so the authorization service evaluates it
/// like any requirement; <see cref="CallerPolicyEvaluator"/> evaluates it without that service on the hot path.
/// </summary>
public sealed class CallerRequirement(string[] roles, string? claim = null)
    : AuthorizationHandler<CallerRequirement>, IAuthorizationRequirement
{
    public IReadOnlyList<string> Roles => roles;

    public string? Claim => claim;

    public bool IsMetBy(ClaimsPrincipal user)
    {
        foreach (var role in roles)
        {
            if (user.IsInRole(role))
            {
                return claim is null || user.FindFirst(claim) is not null;
            }
        }

        return false;
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CallerRequirement requirement)
    {
        if (requirement.IsMetBy(context.User))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public override string ToString() =>
        $"{nameof(CallerRequirement)}: in role {string.Join(" or ", roles)}{(claim is null ? "" : $", with claim {claim}")}";
}

/// <summary>
/// The authorization middleware's policy evaluator: the framework's own, except that a policy made of one
/// <see cref="CallerRequirement"/> that an authenticated caller meets succeeds at once. The default path builds an
/// authorization context, a set of pending requirements, a handler list and an iterator per requirement type for every
/// request: about a tenth of what an offload allocated. Any other policy, and every failure (so every 401 and 403),
/// goes to the framework's evaluator, which decides as before.
/// </summary>
/// <remarks>
/// The shortcut gives the answer the authorization service would give only while the requirements' own handler (the
/// framework's pass-through) is the only one registered: another handler could fail a met requirement. So it is off
/// when any other <see cref="IAuthorizationHandler"/> is registered. A singleton: the middleware resolves the evaluator
/// for every request, and the framework registers its own as transient.
/// </remarks>
public sealed class CallerPolicyEvaluator(IAuthorizationService authorization, IEnumerable<IAuthorizationHandler> handlers)
    : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> s_success = Task.FromResult(PolicyAuthorizationResult.Success());
    private readonly PolicyEvaluator _framework = new(authorization);
    private readonly bool _shortcut = handlers.All(h => h is PassThroughAuthorizationHandler);

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context) =>
        _framework.AuthenticateAsync(policy, context);

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult,
        HttpContext context, object? resource) =>
        _shortcut && authenticationResult.Succeeded && policy.Requirements is [CallerRequirement caller] && caller.IsMetBy(context.User)
            ? s_success
            : _framework.AuthorizeAsync(policy, authenticationResult, context, resource);
}
