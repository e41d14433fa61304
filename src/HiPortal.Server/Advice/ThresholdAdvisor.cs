using HiPortal.Core.Calibration;
using HiPortal.Core.Online;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Advice;

/// <param name="RegretPerRound">HIL-F's regret over the window (device scope); null for a fleet's own learner.</param>
/// <param name="Learner">Which learner gave the θ: the fleet's (hil-f, hil-n, hi-lcb-lite), or HIL-F over a device's window.</param>
public sealed record OnlineAdvice(double Threshold, int Rounds, double? RegretPerRound, string Learner = "hil-f");

public sealed record CurveAdvice(int Labelled, double MinCostThreshold, double TargetThreshold, double TargetAccuracy,
    double AccuracyAtTarget, double OffloadKeptAtTarget);

public sealed record ThresholdAdvice(
    string Scope,
    string Target,
    double CurrentThreshold,
    int Offloads,
    double Beta,
    OnlineAdvice? Online,
    CurveAdvice? Curve,
    string Basis);

/// <summary>
/// Recommends θ from what the server sees: each offloaded sample's local confidence and whether the large model
/// agreed (and its label, where given). Only offloaded samples carry feedback (no local feedback, as in HIL-N), so
/// the learner runs over the offloaded region: that ranks every θ below the current one exactly (samples above
/// it stay local for all of them); raising θ needs exploration offloads from the devices.
/// </summary>
public sealed class ThresholdAdvisor(IDbContextFactory<HiPortalDb> dbFactory, ConfigService configs, FleetLearners learners,
    Ingest.DeviceHistory history)
{
    public const int Window = 5000;

    public async Task<ThresholdAdvice?> AdviseAsync(string? fleet, string? deviceId, double beta, double targetGapPoints,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        double current;
        Fleets.Fleet? fleetRow = null;
        if (deviceId is not null)
        {
            var effective = await configs.GetEffectiveAsync(deviceId, cancellationToken);
            if (effective is null)
            {
                return null;
            }

            current = effective.Threshold;
        }
        else
        {
            var f = await db.Fleets.AsNoTracking().FirstOrDefaultAsync(x => x.Name == fleet, cancellationToken);
            if (f is null)
            {
                return null;
            }

            current = DeviceConfiguration.Desired(f).Threshold;
            fleetRow = f;
        }

        var query = db.Decisions.AsNoTracking();
        query = deviceId is not null
            ? await history.OfAsync(db, query, deviceId, null, null, cancellationToken)
            : query.Where(d => d.Fleet == fleet);
        var rows = await query.OrderByDescending(d => d.Id).Take(Window)
            .Select(d => new { d.LocalConfidence, d.Agrees, d.Label, d.LocalClass, d.ServerClass })
            .ToListAsync(cancellationToken);
        rows.Reverse();

        OnlineAdvice? online = null;
        if (fleetRow is not null && rows.Count > 0)
        {
            // The fleet's own learner, fed with every stored decision; only exploration offloads let it raise θ.
            var state = await learners.AdvanceAsync(fleetRow, beta, cancellationToken);
            var raises = DeviceConfiguration.Desired(fleetRow).ExplorationRate > 0;
            online = new OnlineAdvice(raises ? state.Threshold : Math.Min(current, state.Threshold), (int)Math.Min(int.MaxValue, state.Rounds),
                null, state.Learner);
        }
        else if (rows.Count > 0)
        {
            var learner = new HilF(beta, HilF.DefaultEta(rows.Count), seed: 17);
            foreach (var row in rows)
            {
                learner.Step(row.LocalConfidence, tinyWrong: !row.Agrees);
            }

            online = new OnlineAdvice(Math.Min(current, learner.CurrentThreshold), rows.Count, learner.RegretPerRound);
        }

        CurveAdvice? curve = null;
        var labelled = rows.Where(r => r.Label is not null).ToList();
        if (labelled.Count > 0)
        {
            var tradeoff = TradeoffCurve.Build(
                labelled.Select(r => r.LocalConfidence).ToList(),
                labelled.Select(r => r.LocalClass == r.Label).ToList(),
                labelled.Select(r => r.ServerClass == r.Label).ToList());
            var target = tradeoff.LargeAccuracy - (targetGapPoints / 100);
            var byTarget = tradeoff.ChooseForTargetAccuracy(target);
            curve = new CurveAdvice(labelled.Count, Math.Min(current, tradeoff.ChooseForMinimumCost(beta).Threshold),
                Math.Min(current, byTarget.Threshold), target, byTarget.Accuracy, byTarget.OffloadFraction);
        }

        return new ThresholdAdvice(deviceId is null ? "fleet" : "device", deviceId ?? fleet!, current, rows.Count, beta, online, curve,
            $"last {rows.Count} offloads (of at most {Window}); online: " +
            (online?.Learner is { } l && fleetRow is not null ? $"the fleet's {l} over every stored offload" : "HIL-F over offloaded rounds") +
            " with the large model's answer (or the label) as truth; " +
            "curve: labelled offloads only, fractions relative to today's offloads");
    }
}
