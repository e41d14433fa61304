using System.Text;

namespace HiPortal.Server.Identity;

/// <summary>
/// Canonical names for users and fleets. Users are compared in one form (NFKC, lower case), so <c>Admin</c> cannot
/// sit beside <c>admin</c>; fleets keep their spelling but may not differ from another only in case. Reserved words
/// are what the server itself writes as an actor or uses as a path or wildcard, so nobody can be mistaken for them.
/// </summary>
public static class Names
{
    public const string UserRule = "1 to 64 characters of letters, digits, '-', '_', '.' or '@', starting with a letter or digit";
    public const string FleetRule = "1 to 64 characters of letters, digits, '-', '_' or '.', starting with a letter or digit";

    /// <summary>Written by the server as audit actors, or meaning "anyone".</summary>
    public static readonly IReadOnlySet<string> ReservedUsers =
        new HashSet<string>(StringComparer.Ordinal) { "auto", "unknown", "system", "anonymous", "device", "server" };

    public static readonly IReadOnlySet<string> ReservedFleets = new HashSet<string>(StringComparer.Ordinal) { "all", "*" };

    /// <summary>The stored and compared form of a username (also for sign-in lookups).</summary>
    public static string CanonicalUser(string? name) =>
        (name ?? "").Trim().Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    /// <summary>The canonical username, or null with the reason when it is not acceptable for a new user.</summary>
    public static string? NewUser(string? raw, out string? error)
    {
        var name = CanonicalUser(raw);
        error = !IsWord(name, extra: '@') ? UserRule
            : ReservedUsers.Contains(name) ? $"'{name}' is reserved"
            : null;
        return error is null ? name : null;
    }

    /// <summary>The fleet name's comparison key: two fleets may not share one.</summary>
    public static string FleetKey(string name) => name.ToLowerInvariant();

    /// <summary>Null when the fleet name is acceptable, else why not.</summary>
    public static string? FleetError(string? name) =>
        !IsWord(name, extra: null) ? FleetRule
        : ReservedFleets.Contains(FleetKey(name!)) ? $"'{name}' is reserved"
        : null;

    // Starting with a letter or digit rules out ".", "..", and names that hide in listings.
    private static bool IsWord(string? name, char? extra) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && char.IsAsciiLetterOrDigit(name[0]) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' || c == extra);
}
