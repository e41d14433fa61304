using HiPortal.Core.Inference;
using HiPortal.Server.Devices;
using HiPortal.Server.Fleets;
using HiPortal.Server.Ingest;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HiPortal.Server.Rollouts;

/// <summary>How many devices the target has and how many each stage changes (cumulative): a dry run's answer.</summary>
public sealed record RolloutPlan(int TargetDevices, IReadOnlyList<int> DevicesPerStage);

/// <summary>A checked request: the rollout to start and its plan, or the field that is wrong, or the active rollout in the way.</summary>
public sealed record PlannedRollout(Rollout? Rollout, RolloutPlan? Plan, FieldError? Error, string? Conflict);

/// <summary>Checks a rollout request against the fleet, the devices, the registered models and the active rollouts.</summary>
public sealed class RolloutPlanner(IDbContextFactory<HiPortalDb> dbFactory, IOptions<RolloutOptions> options)
{
    public const int MaxStages = 10;
    public const int MaxTags = 16;

    /// <summary>
    /// Why a rollout for <paramref name="fleet"/> (null: by tags, any fleet) cannot start now, or null. One active rollout
    /// per fleet: two would each attribute the other's effects to themselves. The engine asks again inside the
    /// transaction that saves the rollout, so two creates at once cannot both pass.
    /// </summary>
    public static async Task<string?> BusyAsync(HiPortalDb db, string? fleet, CancellationToken cancellationToken)
    {
        var active = await db.Rollouts.AsNoTracking()
            .Where(r => r.State == RolloutStates.Running || r.State == RolloutStates.Paused)
            .Select(r => new { r.Id, r.Fleet }).ToListAsync(cancellationToken);
        return active.FirstOrDefault(r => r.Fleet is null || fleet is null || r.Fleet == fleet) is { } busy
            ? $"rollout {busy.Id} is still active for this target; finish, abort or wait for it"
            : null;
    }

    public async Task<PlannedRollout> PlanAsync(CreateRolloutRequest request, string actor, CancellationToken cancellationToken)
    {
        if (Check(request) is { } invalid)
        {
            return Invalid(invalid);
        }

        var tags = (request.Tags ?? []).Select(t => t.Trim()).Distinct(StringComparer.Ordinal).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (request.Fleet is { } fleetName && !await db.Fleets.AnyAsync(f => f.Name == fleetName, cancellationToken))
        {
            return Invalid(new FieldError("fleet", $"unknown fleet '{fleetName}'"));
        }

        if (request.TinyModel is { } tiny && await CheckModelAsync(db, tiny, cancellationToken) is { } badModel)
        {
            return Invalid(badModel);
        }

        var change = request.Threshold is null && request.Rule is null && request.Coefficients is null
            ? ConfigValues.None
            : ConfigValues.None.With(new ConfigChange(request.Threshold, request.Rule, request.Coefficients, null, null));
        var target = await RolloutChanges.TargetAsync(db, request.Fleet, tags, cancellationToken);
        if (target.Count == 0)
        {
            return Invalid(new FieldError(tags.Count > 0 ? "tags" : "fleet", "no active device matches the target"));
        }

        var fleetNames = target.Select(d => d.Fleet).Distinct().ToList();
        foreach (var fleet in await db.Fleets.AsNoTracking().Where(f => fleetNames.Contains(f.Name)).ToListAsync(cancellationToken))
        {
            if (ConfigValidation.ValidateResult(change.Over(fleet.Config).Resolve()) is { } unrunnable)
            {
                return Invalid(unrunnable);
            }
        }

        if (await BusyAsync(db, request.Fleet, cancellationToken) is { } busy)
        {
            return new PlannedRollout(null, null, null, busy);
        }

        var stages = Stages(request.Stages);
        var plan = new RolloutPlan(target.Count, stages.Select(s => RolloutSelection.Count(s.Percent, target.Count)).ToList());
        var rollout = new Rollout
        {
            Fleet = request.Fleet,
            Tags = tags,
            Change = change,
            TinyModel = request.TinyModel,
            Stages = stages,
            Gates = Gates(request.Gates),
            Salt = RolloutSelection.NewSalt(),
            CreatedBy = actor,
            Reason = request.Reason,
        };
        return new PlannedRollout(rollout, plan, null, null);
    }

    private static PlannedRollout Invalid(FieldError error) => new(null, null, error, null);

    private static FieldError? Check(CreateRolloutRequest r)
    {
        if (r.Fleet is null && r.Tags is not { Length: > 0 })
        {
            return new FieldError("fleet", "give a fleet, tags, or both");
        }

        if (r.Fleet is { } f && !FleetNames.IsValid(f))
        {
            return new FieldError("fleet", "not a valid fleet name");
        }

        if (r.Tags is { } tags && (tags.Length > MaxTags || tags.Any(t => !DeviceTags.IsValid(t))))
        {
            return new FieldError("tags", $"at most {MaxTags} tags, each {DeviceTags.Rule}");
        }

        if (r.Threshold is null && r.Rule is null && r.Coefficients is null && r.TinyModel is null)
        {
            return new FieldError("body", "nothing to roll out: give threshold, rule, coefficients or tinyModel");
        }

        if ((r.Threshold ?? (object?)r.Rule ?? r.Coefficients) is not null
            && ConfigValidation.Validate(new ConfigChange(r.Threshold, r.Rule, r.Coefficients, null, r.Reason)) is { } invalid)
        {
            return invalid;
        }

        if (r.Reason is { Length: > 500 })
        {
            return new FieldError("reason", "at most 500 characters");
        }

        return CheckStages(r.Stages) ?? CheckGates(r.Gates);
    }

    private static FieldError? CheckStages(RolloutStageRequest[]? stages)
    {
        if (stages is null)
        {
            return null;
        }

        if (stages.Length is 0 or > MaxStages)
        {
            return new FieldError("stages", $"between 1 and {MaxStages} stages");
        }

        for (var i = 0; i < stages.Length; i++)
        {
            var s = stages[i];
            if (!double.IsFinite(s.Percent) || s.Percent <= (i == 0 ? 0 : stages[i - 1].Percent) || s.Percent > 100)
            {
                return new FieldError($"stages[{i}].percent", "percentages rise stage by stage, within (0, 100]");
            }

            if (s.MinSoakSeconds is < 0 or > 604_800 || s.MinSamples is < 0)
            {
                return new FieldError($"stages[{i}]", "minSoakSeconds within [0, 604800], minSamples 0 or more");
            }
        }

        return stages[^1].Percent == 100 ? null : new FieldError("stages", "the last stage must be 100 %");
    }

    private static FieldError? CheckGates(RolloutGatesRequest? g)
    {
        if (g is null)
        {
            return null;
        }

        double?[] rates = [g.MinOffloadRate, g.MaxOffloadRate, g.MinAgreement, g.MinAccuracy, g.MaxErrorRate];
        if (rates.Any(v => v is { } x && (!double.IsFinite(x) || x < 0 || x > 1)))
        {
            return new FieldError("gates", "rates are fractions in [0, 1]");
        }

        if (g.MinOffloadRate > g.MaxOffloadRate)
        {
            return new FieldError("gates.minOffloadRate", "must not exceed maxOffloadRate");
        }

        return g.AckTimeoutSeconds is < 1 or > 86_400 ? new FieldError("gates.ackTimeoutSeconds", "between 1 and 86400") : null;
    }

    private List<RolloutStage> Stages(RolloutStageRequest[]? requested)
    {
        var o = options.Value;
        return requested is null
            ? o.DefaultStagePercents.Select(p => new RolloutStage(p, o.DefaultMinSoakSeconds, o.DefaultMinSamples)).ToList()
            : requested.Select(s => new RolloutStage(s.Percent, s.MinSoakSeconds ?? o.DefaultMinSoakSeconds, s.MinSamples ?? o.DefaultMinSamples)).ToList();
    }

    private RolloutGates Gates(RolloutGatesRequest? g)
    {
        var d = options.Value.Gates;
        return new RolloutGates(g?.MinOffloadRate ?? d.MinOffloadRate, g?.MaxOffloadRate ?? d.MaxOffloadRate, g?.MinAgreement ?? d.MinAgreement,
            g?.MinAccuracy ?? d.MinAccuracy, g?.MaxErrorRate ?? d.MaxErrorRate, g?.AckTimeoutSeconds ?? d.AckTimeoutSeconds);
    }

    private static async Task<FieldError?> CheckModelAsync(HiPortalDb db, string reference, CancellationToken cancellationToken)
    {
        if (!ModelReference.TryParse(reference, out var r) || r.Version is null)
        {
            return new FieldError("tinyModel", $"'{reference}' is not name@version");
        }

        return await db.ModelVersions.AnyAsync(m => m.Name == r.Name && m.Version == r.Version, cancellationToken)
            ? null
            : new FieldError("tinyModel", $"{reference} is not a registered model version");
    }
}
