using HiPortal.Core.Decisions;
using HiPortal.Core.Online;

namespace HiPortal.Core.Evaluation;

public sealed record RegretCheckpoint(int Rounds, double HilFRegretPerRound, double HilNRegretPerRound);

public sealed record OnlineLearnerResult(
    string Name,
    double FinalThreshold,
    double CumulativeCost,
    double BestFixedThreshold,
    double BestFixedCost,
    double Regret,
    double RegretPerRound,
    double OffloadFraction,
    double Accuracy);

public sealed record OnlineReport(
    int Rounds,
    double Beta,
    double Eta,
    double Epsilon,
    string Feedback,
    IReadOnlyList<OnlineLearnerResult> Learners,
    IReadOnlyList<RegretCheckpoint> Curve);

/// <summary>
/// Streams a shuffled sample sequence through HIL-F and HIL-N. "Wrong" means the tiny model disagrees with the
/// feedback source: the large model's answer (what a deployment sees) or the true label.
/// </summary>
public static class OnlineEvaluation
{
    public static OnlineReport Run(ModelOutputs tiny, ModelOutputs large, double beta, int seed,
        bool labelsAsFeedback = false, double? epsilon = null, int checkpoints = 20, Action<int>? progress = null)
    {
        var order = Enumerable.Range(0, tiny.Count).ToArray();
        new Random(seed).Shuffle(order);
        var rounds = order.Length;
        var eta = HilF.DefaultEta(rounds);
        var hilF = new HilF(beta, eta, seed);
        var explore = epsilon ?? HilN.DefaultEpsilon(rounds);
        var hilN = new HilN(beta, eta, explore, seed);
        int fOffloads = 0, nOffloads = 0, fCorrect = 0, nCorrect = 0;
        var curve = new List<RegretCheckpoint>();
        var every = Math.Max(1, rounds / checkpoints);
        for (var t = 0; t < rounds; t++)
        {
            var i = order[t];
            var confidence = Probabilities.Top2(tiny.ProbabilitiesOf(i)).P1;
            var truth = labelsAsFeedback ? tiny.Label(i) : large.Predicted(i);
            var tinyWrong = tiny.Predicted(i) != truth;

            var f = hilF.Step(confidence, tinyWrong);
            fOffloads += f.Offload ? 1 : 0;
            fCorrect += (f.Offload ? large.Correct(i) : tiny.Correct(i)) ? 1 : 0;
            var n = hilN.Step(confidence, tinyWrong);
            nOffloads += n.Offload ? 1 : 0;
            nCorrect += (n.Offload ? large.Correct(i) : tiny.Correct(i)) ? 1 : 0;

            if ((t + 1) % every == 0 || t == rounds - 1)
            {
                curve.Add(new RegretCheckpoint(t + 1, hilF.Summary().RegretPerRound, hilN.Summary().RegretPerRound));
                progress?.Invoke(t + 1);
            }
        }

        OnlineLearnerResult Result(string name, OnlineSummary s, int offloads, int correct) =>
            new(name, s.CurrentThreshold, s.CumulativeCost, s.BestFixedThreshold, s.BestFixedCost, s.Regret,
                s.RegretPerRound, (double)offloads / rounds, (double)correct / rounds);

        return new OnlineReport(rounds, beta, eta, explore, labelsAsFeedback ? "labels" : "large-model answer",
            [Result("HIL-F (full feedback)", hilF.Summary(), fOffloads, fCorrect),
             Result("HIL-N (no local feedback)", hilN.Summary(), nOffloads, nCorrect)],
            curve);
    }
}
