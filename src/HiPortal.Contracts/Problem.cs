namespace HiPortal.Contracts;

/// <summary>
/// An RFC 7807 problem body as the server writes it: a 4xx names the offending field in <see cref="Field"/> and in
/// <see cref="Errors"/> (field → messages).
/// </summary>
public sealed record Problem(
    string? Type = null,
    string? Title = null,
    int? Status = null,
    string? Detail = null,
    string? Field = null,
    IReadOnlyDictionary<string, string[]>? Errors = null);
