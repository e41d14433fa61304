using HiPortal.Server.Problems;
using HiPortal.Server.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Identity;

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/token", IssueToken).WithTags("Auth").AllowAnonymous();
        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> IssueToken(
        TokenRequest? request, UserCredentials credentials, TokenService tokens, SignInThrottle throttle, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request?.Username))
        {
            return ProblemResults.Validation("username", "username is required");
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            return ProblemResults.Validation("password", "password is required");
        }

        var client = SignInThrottle.ClientOf(context);
        if (throttle.Check(request.Username, client) is { } wait)
        {
            return TooManyRequests.Result(context.Response, wait, "Too many failed sign-ins.", SignInThrottle.Detail);
        }

        var user = await credentials.CheckAsync(request.Username, request.Password, cancellationToken);
        if (user is null)
        {
            throttle.Failed(request.Username, client);
            return ProblemResults.Status(StatusCodes.Status401Unauthorized, "Sign-in failed.", "unknown user or wrong password");
        }

        var (token, expiresAt) = tokens.Issue(user);
        return TypedResults.Ok(new TokenResponse(token, expiresAt, user.Role));
    }
}
