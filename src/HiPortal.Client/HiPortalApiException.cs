using System.Net;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>The server answered a call with a status other than success: the status, and its problem body when it sent one.</summary>
public sealed class HiPortalApiException(string call, HttpStatusCode status, Problem? problem, string body)
    : HttpRequestException($"{call}: {(int)status} {status} {body}", null, status)
{
    public HttpStatusCode Status => status;

    /// <summary>The RFC 7807 body, or null when the answer was not <c>application/problem+json</c>.</summary>
    public Problem? Problem => problem;

    public string Body => body;
}
