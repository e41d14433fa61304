namespace HiPortal.Contracts;

/// <summary>One stage of a rollout: the share of the target's devices changed by its end, how long it soaks, how much it must see.</summary>
public sealed record RolloutStageRequest(double Percent, int? MinSoakSeconds = null, int? MinSamples = null);

/// <summary>
/// The health a stage must show before the next one starts; a null field takes the server's default
/// (<c>Rollouts:Gates</c>). Rates are fractions in [0, 1].
/// </summary>
public sealed record RolloutGatesRequest(
    double? MinOffloadRate = null,
    double? MaxOffloadRate = null,
    double? MinAgreement = null,
    double? MinAccuracy = null,
    double? MaxErrorRate = null,
    int? AckTimeoutSeconds = null);

/// <summary>
/// POST /api/v1/admin/rollouts: a change of θ, rule or tiny model for a fleet's devices (optionally only those with
/// every one of <see cref="Tags"/>), applied stage by stage. <see cref="DryRun"/> answers how many devices each stage
/// would change, and changes nothing.
/// </summary>
public sealed record CreateRolloutRequest(
    string? Fleet = null,
    string[]? Tags = null,
    double? Threshold = null,
    string? Rule = null,
    double[]? Coefficients = null,
    string? TinyModel = null,
    RolloutStageRequest[]? Stages = null,
    RolloutGatesRequest? Gates = null,
    string? Reason = null,
    bool DryRun = false);

/// <summary>The body of a rollout action (pause, resume, promote, abort): why, for the audit log.</summary>
public sealed record RolloutActionRequest(string? Reason = null);

/// <summary>PUT /api/v1/admin/devices/{id}/tags: the device's whole tag set.</summary>
public sealed record DeviceTagsRequest(string[]? Tags);

/// <summary>
/// POST /api/v1/admin/devices/tags: adds and removes tags on every device the filter matches (fleet, name
/// substring, tags all present). <see cref="DryRun"/> (the default) only counts them.
/// </summary>
public sealed record BulkTagsRequest(string? Fleet = null, string? Name = null, string[]? HavingTags = null, string[]? Add = null,
    string[]? Remove = null, bool DryRun = true);
