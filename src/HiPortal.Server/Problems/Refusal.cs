using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPortal.Server.Problems;

/// <summary>
/// Why an admin action changed nothing, said once by the feature's service: the API answers it as a problem body
/// (<see cref="ToProblem"/>), the dashboard shows <see cref="Message"/>. Both callers therefore refuse alike.
/// </summary>
public sealed record Refusal(int Status, string Title, string Field, string Detail)
{
    public static readonly Refusal AdminsOnly = new(StatusCodes.Status403Forbidden, "Admins only.", "user", "only admins make this change");

    public static Refusal Invalid(string field, string message) => new(StatusCodes.Status400BadRequest, "The request is invalid.", field, message);

    public static Refusal Invalid(Ingest.FieldError error) => Invalid(error.Field, error.Message);

    public string Message => $"{Field}: {Detail}";

    public ProblemHttpResult ToProblem() => ProblemResults.Status(Status, Title, Detail, Field);
}

/// <summary>What an admin service answers: the value it made, or the refusal.</summary>
public readonly record struct Outcome<T>(T? Value, Refusal? Refusal)
    where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(null, refusal);
}
