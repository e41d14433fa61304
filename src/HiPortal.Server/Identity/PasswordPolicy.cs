namespace HiPortal.Server.Identity;

/// <summary>
/// What a new password must be: long enough, not mostly one character (ten spaces were accepted), and not the
/// username. Length matters more than character classes, so there are no class rules.
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 10;
    public const int MaxLength = 256;
    public const int MinDistinct = 5;

    public static string? Check(string? password, string username) => password switch
    {
        null or { Length: < MinLength } => $"at least {MinLength} characters",
        { Length: > MaxLength } => $"at most {MaxLength} characters",
        _ when string.IsNullOrWhiteSpace(password) => "must not be only spaces",
        _ when password.Distinct().Count() < MinDistinct => $"must use at least {MinDistinct} different characters",
        _ when string.Equals(password.Trim(), username, StringComparison.OrdinalIgnoreCase) => "must not be the username",
        _ => null,
    };
}
