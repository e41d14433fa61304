using System.Text.Json;
using HiPortal.Server.Persistence;

namespace HiPortal.Server.Audit;

/// <summary>Adds audit rows to the caller's unit of work, so a change and its audit row commit together.</summary>
public static class AuditLog
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static void Record(HiPortalDb db, DateTime at, string actor, string action, string scope, string target,
        object? oldValue, object? newValue, string? reason) =>
        db.Audit.Add(new AuditEntry
        {
            At = at,
            Actor = actor,
            Action = action,
            Scope = scope,
            Target = target,
            OldValue = oldValue is null ? null : JsonSerializer.Serialize(oldValue, s_json),
            NewValue = newValue is null ? null : JsonSerializer.Serialize(newValue, s_json),
            Reason = reason,
        });
}
