using HiPortal.Server.Inference;

namespace HiPortal.Server.OpenInference;

/// <summary>An OIP call's answers: logits and probabilities, N × classes row-major; or why it could not run (a 503).</summary>
public sealed record OpenInferenceResult(int Count, float[] Logits, float[] Probabilities, string? Error = null);

/// <summary>
/// Runs one OIP call's samples through the model's own batching queue, as REST and gRPC both do: every sample queued
/// first, then all awaited, so they share batches with each other and with ingest.
/// </summary>
public static class OpenInferenceRun
{
    /// <summary>The second output HiPortal answers beside the graph's own: the softmax of its scores.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>Runs <paramref name="samples"/> (pooled buffers, which this takes over and returns).</summary>
    public static async Task<OpenInferenceResult> RunAsync(ServedModel served, List<float[]> samples, TimeSpan deadline, TimeProvider time,
        Observability.HiPortalMetrics metrics)
    {
        var requests = new List<InferenceRequest>(samples.Count);
        foreach (var sample in samples)
        {
            var request = InferenceRequest.Create(sample, time, deadline, inputPool: served.Inputs);
            if (served.Queue.TryEnqueue(request) != EnqueueResult.Accepted)
            {
                request.ReturnInput();
                foreach (var rest in samples.Skip(requests.Count + 1))
                {
                    served.Inputs.Return(rest);
                }

                // Those already queued still run; nobody waits for them.
                return Failed("the inference queue is full");
            }

            requests.Add(request);
        }

        var outcomes = await Task.WhenAll(requests.Select(r => r.Completion));
        for (var i = 0; i < outcomes.Length; i++)
        {
            metrics.DeadlineLateness(requests[i], outcomes[i]);
        }

        var classes = served.Signature.ClassCount;
        var logits = new float[outcomes.Length * classes];
        var probabilities = new float[outcomes.Length * classes];
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i].Status != InferenceStatus.Completed)
            {
                return Failed(outcomes[i].Error ?? "inference failed");
            }

            outcomes[i].Result!.Logits.CopyTo(logits, i * classes);
            outcomes[i].Result!.Probabilities.CopyTo(probabilities, i * classes);
        }

        return new OpenInferenceResult(outcomes.Length, logits, probabilities);
    }

    private static OpenInferenceResult Failed(string error) => new(0, [], [], error);
}
