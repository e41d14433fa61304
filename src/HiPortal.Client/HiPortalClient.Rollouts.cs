using System.Text.Json;
using HiPortal.Contracts;

namespace HiPortal.Client;

/// <summary>Staged rollouts and device tags, as an admin (writes) or an operator (reads) sees them.</summary>
public partial class HiPortalClient
{
    /// <summary>POST /rollouts: the created rollout's detail (201), or with <c>DryRun</c> its plan (devices per stage).</summary>
    public Task<JsonElement> CreateRolloutAsync(CreateRolloutRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, Routes.Rollouts, request, cancellationToken);

    /// <summary>GET /rollouts/{id}: the rollout (stage, state, last gate values) and the devices it changed.</summary>
    public Task<JsonElement> GetRolloutAsync(long id, CancellationToken cancellationToken = default) =>
        GetJsonAsync(Routes.Rollout(id), cancellationToken);

    public Task<JsonElement> ListRolloutsAsync(string query = "", CancellationToken cancellationToken = default) =>
        GetJsonAsync($"{Routes.Rollouts}?{query}", cancellationToken);

    /// <summary>POST /rollouts/{id}/{action}: pause, resume, promote or abort.</summary>
    public Task<JsonElement> RolloutActionAsync(long id, string action, string? reason = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, Routes.RolloutAction(id, action), new RolloutActionRequest(reason), cancellationToken);

    /// <summary>PUT /devices/{id}/tags: replaces the device's tags.</summary>
    public Task<JsonElement> SetTagsAsync(string deviceId, IEnumerable<string> tags, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Put, Routes.DeviceTags(deviceId), new DeviceTagsRequest([.. tags]), cancellationToken);

    /// <summary>POST /devices/tags: adds/removes tags on the devices a filter matches (a dry run, the default, only counts).</summary>
    public Task<JsonElement> BulkTagsAsync(BulkTagsRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, Routes.DeviceTagsBulk, request, cancellationToken);
}
