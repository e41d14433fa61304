using System.Text.RegularExpressions;
using HiPortal.Server.Audit;
using HiPortal.Server.Identity;
using HiPortal.Server.Persistence;
using HiPortal.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Devices;

public static partial class DeviceTags
{
    public const int MaxPerDevice = 16;
    public const string Rule = "1 to 32 characters of lower-case letters, digits, '-', '_', '.', ':' or '='";

    public static bool IsValid(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    /// <summary>The first invalid field of a tag list, or null.</summary>
    public static ProblemHttpResult? Check(string field, string[]? tags) =>
        tags is null ? null
        : tags.Length > MaxPerDevice ? ProblemResults.Validation(field, $"at most {MaxPerDevice} tags")
        : tags.FirstOrDefault(t => !IsValid(t)) is { } bad ? ProblemResults.Validation(field, $"'{bad}': tags are {Rule}")
        : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9._:=-]{0,31}$")]
    private static partial Regex TagPattern();
}

public sealed record DeviceTagsView(string DeviceId, List<string> Tags);

/// <summary>What a bulk tag change matched (and, unless it was a dry run, changed).</summary>
public sealed record BulkTagsResult(int Matched, int Changed, bool DryRun);

/// <summary>Device tags: set one device's, or add/remove on every device a filter matches (a dry run counts them first).</summary>
public static class DeviceTagsApi
{
    public static async Task<Results<Ok<DeviceTagsView>, ProblemHttpResult>> SetTags(string id, DeviceTagsRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, CurrentUser user, CancellationToken cancellationToken)
    {
        if (request?.Tags is not { } tags)
        {
            return ProblemResults.Validation("tags", "a list of tags is required (empty clears them)");
        }

        if (DeviceTags.Check("tags", tags) is { } invalid)
        {
            return invalid;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return DevicesApi.NotFound(id);
        }

        var before = device.Tags;
        device.Tags = tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, user.Actor, "device.tags", "device", id, before, device.Tags, null);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DeviceTagsView(id, device.Tags));
    }

    public static async Task<Results<Ok<BulkTagsResult>, ProblemHttpResult>> BulkTags(BulkTagsRequest? request,
        IDbContextFactory<HiPortalDb> dbFactory, TimeProvider time, CurrentUser user, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Validation("body", "a filter (fleet, name, havingTags) and add/remove lists are required");
        }

        if ((DeviceTags.Check("havingTags", request.HavingTags) ?? DeviceTags.Check("add", request.Add) ?? DeviceTags.Check("remove", request.Remove))
            is { } invalid)
        {
            return invalid;
        }

        if (request is { Fleet: null, Name: null, HavingTags: null or [] })
        {
            return ProblemResults.Validation("fleet", "give a filter: fleet, name or havingTags (a change of every device needs one)");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Devices.Where(d => d.RevokedAt == null);
        query = request.Fleet is null ? query : query.Where(d => d.Fleet == request.Fleet);
        query = request.Name is null ? query : query.Where(d => d.Name.Contains(request.Name));
        foreach (var tag in request.HavingTags ?? [])
        {
            query = query.Where(d => d.Tags.Contains(tag));
        }

        if (request.DryRun)
        {
            return TypedResults.Ok(new BulkTagsResult(await query.CountAsync(cancellationToken), 0, true));
        }

        var devices = await query.ToListAsync(cancellationToken);
        var changed = 0;
        foreach (var device in devices)
        {
            var tags = device.Tags.Union(request.Add ?? []).Except(request.Remove ?? []).Order(StringComparer.Ordinal).ToList();
            if (tags.Count > DeviceTags.MaxPerDevice)
            {
                return ProblemResults.Validation("add", $"device {device.Id} would have more than {DeviceTags.MaxPerDevice} tags");
            }

            if (!tags.SequenceEqual(device.Tags.Order(StringComparer.Ordinal)))
            {
                device.Tags = tags;
                changed++;
            }
        }

        AuditLog.Record(db, time.GetUtcNow().UtcDateTime, user.Actor, "device.tags.bulk", "device", "*",
            new { request.Fleet, request.Name, request.HavingTags }, new { request.Add, request.Remove, matched = devices.Count, changed }, null);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new BulkTagsResult(devices.Count, changed, false));
    }
}
