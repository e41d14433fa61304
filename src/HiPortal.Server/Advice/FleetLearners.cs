using System.Collections.Concurrent;
using HiPortal.Core.Online;
using HiPortal.Server.Fleets;
using HiPortal.Server.Persistence;
using HiPortal.Server.RemoteConfig;
using Microsoft.EntityFrameworkCore;

namespace HiPortal.Server.Advice;

/// <summary>A fleet's online learner as the advisor last advanced it.</summary>
/// <param name="Learner">The learner's kind (hil-f, hil-n, hi-lcb-lite).</param>
/// <param name="Threshold">The θ it would hand to devices now, before the fleet's offload cap.</param>
/// <param name="Rounds">Stored offloads it has learned from since it started or was reset.</param>
/// <param name="ExplorationRounds">Of those, exploration offloads.</param>
public sealed record FleetLearnerState(string Learner, double Threshold, long Rounds, long ExplorationRounds);

/// <summary>
/// One online learner per fleet (the fleet's <see cref="Fleet.OnlineLearner"/>), fed in order with every decision the
/// server stored for it: the local confidence, and whether the tiny model was wrong — by the label where the device
/// gave one, else by the large model's answer. Only offloads reach the server, so a kept sample teaches nothing,
/// except through exploration offloads: each stands for 1/ε kept samples at its confidence (importance weight), so
/// the learner's counts above θ are unbiased. HI-LCB-lite starts from the fleet's θ at the time, not from "offload
/// everything", since the devices already run it. In memory: a restart or <see cref="Reset"/> starts again.
/// </summary>
public sealed class FleetLearners(IDbContextFactory<HiPortalDb> dbFactory)
{
    public const int MaxBatch = 20_000;

    public static readonly IReadOnlyList<string> Kinds = ["hil-f", "hil-n", "hi-lcb-lite"];

    private readonly ConcurrentDictionary<string, FleetLearner> _fleets = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, long> _resumeAfter = new(StringComparer.Ordinal);

    /// <summary>Feeds the fleet's learner the decisions stored since the last call and returns its state.</summary>
    public async Task<FleetLearnerState> AdvanceAsync(Fleet fleet, double beta, CancellationToken cancellationToken)
    {
        var config = DeviceConfiguration.Desired(fleet);
        var entry = _fleets.AddOrUpdate(fleet.Name,
            _ => FleetLearner.Create(fleet.OnlineLearner, beta, config.Threshold, _resumeAfter.GetValueOrDefault(fleet.Name)),
            (_, existing) => existing.Kind == fleet.OnlineLearner && existing.Beta.Equals(beta)
                ? existing
                : FleetLearner.Create(fleet.OnlineLearner, beta, config.Threshold, _resumeAfter.GetValueOrDefault(fleet.Name)));
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var rows = await db.Decisions.AsNoTracking()
                .Where(d => d.Fleet == fleet.Name && d.Id > entry.LastDecisionId)
                .OrderBy(d => d.Id).Take(MaxBatch)
                .Select(d => new { d.Id, d.LocalConfidence, d.LocalClass, d.Agrees, d.Label, d.Exploration })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                var wrong = row.Label is { } label ? row.LocalClass != label : !row.Agrees;
                entry.Observe(Math.Clamp(row.LocalConfidence, 0, 1), wrong, row.Exploration, config.ExplorationRate);
                entry.LastDecisionId = row.Id;
            }

            return entry.State();
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// Forgets what the fleet's learner learned (after a drift, say); the next advance starts from the fleet's θ and
    /// from the decisions stored after the reset, not again from the first (those describe the old distribution).
    /// </summary>
    public void Reset(string fleet)
    {
        if (_fleets.TryRemove(fleet, out var old))
            _resumeAfter[fleet] = old.LastDecisionId;
    }

    /// <summary>The fleet's learner as it stands, or null before its first advance (or after a reset).</summary>
    public FleetLearnerState? Current(string fleet) => _fleets.TryGetValue(fleet, out var entry) ? entry.State() : null;

    public static bool IsKnown(string kind) => Kinds.Contains(kind, StringComparer.Ordinal);

    private sealed class FleetLearner(string kind, double beta, IThresholdLearner learner)
    {
        private double _keptOwed;

        public string Kind { get; } = kind;

        public double Beta { get; } = beta;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long LastDecisionId { get; set; }

        public long Rounds { get; private set; }

        public long ExplorationRounds { get; private set; }

        // Horizon for the exponential-weights learners' η: about a day of a busy fleet's offloads.
        public static FleetLearner Create(string kind, double beta, double threshold, long lastDecisionId) => new(kind, beta, kind switch
        {
            "hil-f" => new HilF(beta, HilF.DefaultEta(100_000), seed: 17),
            "hil-n" => new HilN(beta, HilN.DefaultEta(100_000), epsilon: 0.05, seed: 17, exploresItself: false),
            // Devices cannot probe for the server; exploration offloads (ε) do that job.
            _ => HiLcbLite.WarmStarted(beta, seed: 17, threshold, probeRate: 0),
        })
        { LastDecisionId = lastDecisionId };

        public void Observe(double confidence, bool wrong, bool explored, double epsilon)
        {
            Rounds++;
            ExplorationRounds += explored ? 1 : 0;
            // Every learner opens a round with Decide; the device already decided, so its answer is not used.
            learner.Decide(confidence);
            learner.Observe(new RoundFeedback(confidence, Offloaded: true, explored, wrong));
            if (!explored || epsilon <= 0)
                return;

            // The 1/ε − 1 kept samples this exploration offload stands for, told as unjudged rounds.
            _keptOwed += (1 / epsilon) - 1;
            for (; _keptOwed >= 1; _keptOwed--)
            {
                learner.Decide(confidence);
                learner.Observe(new RoundFeedback(confidence, Offloaded: false, Explored: false, TinyWrong: null));
            }
        }

        public FleetLearnerState State() => new(Kind, learner.CurrentThreshold, Rounds, ExplorationRounds);
    }
}
