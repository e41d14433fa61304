using System.Globalization;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.RateLimiting;

/// <summary>
/// The one 429 every kind of caller gets (devices, users, sign-ins, OIP): an RFC 7807 problem with Retry-After in
/// whole seconds. It also carries <c>error</c>, the member OIP clients read, so they need no second parser.
/// </summary>
public static class TooManyRequests
{
    public static ProblemHttpResult Result(HttpResponse response, TimeSpan wait, string title, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(Math.Min(wait.TotalSeconds, TokenBucket.MaxWait.TotalSeconds)));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problem = ProblemResults.Details(StatusCodes.Status429TooManyRequests, title, null, $"{detail}; retry in {seconds} s");
        problem.Extensions["error"] = problem.Detail;
        return TypedResults.Problem(problem);
    }
}
