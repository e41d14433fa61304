namespace HiPortal.Server.Identity;

/// <summary>
/// Where to send a user after sign-in: only a path on this site, percent-encoded, so it is always a valid
/// Location header (a non-ASCII ReturnUrl gave 500) and never another site (<c>//evil</c>, <c>/\evil</c>).
/// </summary>
public static class LocalReturnUrl
{
    public static string Sanitise(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Contains("//", StringComparison.Ordinal) || returnUrl.Contains('\\') ||
            returnUrl.Any(char.IsControl))
        {
            return "/";
        }

        return Uri.TryCreate(new Uri("http://localhost"), "/" + returnUrl.TrimStart('/'), out var uri) && uri.Host == "localhost"
            ? uri.GetComponents(UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped)
            : "/";
    }
}
