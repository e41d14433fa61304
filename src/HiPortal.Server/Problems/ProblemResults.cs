using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace HiPortal.Server.Problems;

/// <summary>RFC 7807 problem bodies that name the offending field, so a device maker can fix the request.</summary>
public static class ProblemResults
{
    public static ProblemHttpResult Validation(string field, string message) =>
        TypedResults.Problem(Details(StatusCodes.Status400BadRequest, "The request is invalid.", field, message));

    public static ProblemHttpResult Status(int status, string title, string detail, string? field = null) =>
        TypedResults.Problem(Details(status, title, field, detail));

    public static ProblemDetails Details(int status, string title, string? field, string detail)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = field is null ? detail : $"{field}: {detail}",
            Type = $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}",
        };
        if (field is not null)
        {
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [detail] };
        }

        return problem;
    }
}
